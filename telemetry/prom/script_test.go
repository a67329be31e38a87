package prom

import "github.com/argusrtc/argus/telemetry"

const (
	testSession = uint64(1234)
	testHandle  = uint64(5678)
	t0          = int64(1_700_000_000_000_000) // µs
)

func ev(typ telemetry.Type, sub int, atMS int64, body any) *telemetry.Event {
	e := &telemetry.Event{
		Emitter: "argus-test", Type: typ, Subtype: sub, Timestamp: t0 + atMS*1000,
		SessionID: testSession, Body: body,
	}
	if typ != telemetry.TypeSession {
		e.HandleID = testHandle
		e.OpaqueID = "echotest-abc"
	}
	return e
}

type obj = map[string]any

func report(mid, media string, pkts, bytes, lost, nacks int) obj {
	return obj{
		"mid": mid, "mindex": 0, "media": media, "codec": "opus", "base": 48000,
		"rtt": 40, "lost": lost, "lost-by-remote": 0, "jitter-local": 5, "jitter-remote": 10,
		"in-link-quality": 100, "in-media-link-quality": 100, "out-link-quality": 90, "out-media-link-quality": 90,
		"packets-received": pkts, "packets-sent": pkts, "bytes-received": bytes, "bytes-sent": bytes,
		"nacks-received": nacks, "nacks-sent": 0,
	}
}

// echoTestScript is the event sequence of one EchoTest call: create, attach,
// offer/answer, ICE (110 ms to connect), DTLS (50 ms), webrtcup, media, two
// reports with growing counters, hangup, a last report, detach, destroy.
func echoTestScript() []*telemetry.Event {
	return []*telemetry.Event{
		ev(telemetry.TypeSession, 0, 0, obj{"name": "created",
			"transport": obj{"transport": "janus.transport.http", "id": "42"}}),
		ev(telemetry.TypeHandle, 0, 10, obj{"name": "attached", "plugin": "janus.plugin.echotest",
			"opaque_id": "echotest-abc"}),
		ev(telemetry.TypeJSEP, 0, 20, obj{"owner": "remote", "jsep": obj{"type": "offer", "sdp": "v=0..."}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 30, obj{"ice": "gathering", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeJSEP, 0, 35, obj{"owner": "local", "jsep": obj{"type": "answer", "sdp": "v=0..."}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 40, obj{"ice": "connecting", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCSelectedPair, 140, obj{
			"selected-pair": "127.0.0.1:5000 [host,udp] <-> 127.0.0.1:6000 [host,udp]", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 140, obj{"ice": "connected", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, 150, obj{"dtls": "trying", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 150, obj{"ice": "ready", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, 200, obj{"dtls": "connected", "stream_id": 1,
			"component_id": 1, "retransmissions": 0}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, 200, obj{"connection": "webrtcup"}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaState, 250, obj{"media": "audio", "mid": "0", "receiving": true}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaState, 260, obj{"media": "video", "mid": "1", "receiving": true}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 1000, report("0", "audio", 50, 5000, 1, 0)),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 1000, report("1", "video", 90, 90000, 0, 2)),
		ev(telemetry.TypePlugin, 0, 1500, telemetry.PluginBody{Plugin: "janus.plugin.echotest",
			Data: obj{"audio_active": true}}),
		// combine_media_stats form: one array for both media.
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 2000, []any{
			report("0", "audio", 100, 10000, 3, 0), report("1", "video", 180, 180000, 1, 5)}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, 3000, obj{"connection": "hangup", "reason": "Janus API"}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 3000, report("0", "audio", 120, 12000, 4, 0)),
		ev(telemetry.TypeHandle, 0, 3100, obj{"name": "detached", "plugin": "janus.plugin.echotest",
			"opaque_id": "echotest-abc"}),
		ev(telemetry.TypeSession, 0, 3200, obj{"name": "destroyed"}),
	}
}
