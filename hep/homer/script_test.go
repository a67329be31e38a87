package homer

import "github.com/argusrtc/argus/telemetry"

const (
	testSession = uint64(8_765_432_101_234_567)
	testHandle  = uint64(1_234_567_890_123)
	testOpaque  = "echotest-Xy12"
	testEmitter = "argus-test"
)

// echoTestScript is the event sequence of one EchoTest call, shaped as the
// core emits it (janus-reference.md 4.4). t0 is the first timestamp in µs.
func echoTestScript(t0 int64) []*telemetry.Event {
	ts := t0
	next := func() int64 { ts += 12_345; return ts }
	ev := func(typ telemetry.Type, sub int, handle uint64, opaque string, body any) *telemetry.Event {
		return &telemetry.Event{Emitter: testEmitter, Type: typ, Subtype: sub, Timestamp: next(),
			SessionID: testSession, HandleID: handle, OpaqueID: opaque, Body: body}
	}
	media := func(sent, recv, lost float64) []*telemetry.Event {
		return []*telemetry.Event{
			ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, testHandle, testOpaque, map[string]any{
				"mid": "0", "mindex": 0, "media": "audio", "codec": "opus", "base": 48000, "rtt": 40,
				"lost": lost, "lost-by-remote": 1, "jitter-local": 12, "jitter-remote": 8,
				"in-link-quality": 100, "in-media-link-quality": 100, "out-link-quality": 100, "out-media-link-quality": 100,
				"packets-received": recv, "packets-sent": sent, "bytes-received": recv * 160, "bytes-sent": sent * 160,
				"bytes-received-lastsec": 8000, "bytes-sent-lastsec": 8000, "nacks-received": 0, "nacks-sent": 0,
				"retransmissions-received": 0}),
			ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, testHandle, testOpaque, map[string]any{
				"mid": "1", "mindex": 1, "media": "video", "codec": "vp8", "base": 90000,
				"lost": 0, "lost-by-remote": 0, "jitter-local": 3, "jitter-remote": 2,
				"packets-received": recv * 3, "packets-sent": sent * 3, "bytes-received": recv * 3000,
				"bytes-sent": sent * 3000}),
		}
	}
	events := []*telemetry.Event{
		ev(telemetry.TypeSession, 0, 0, "", map[string]any{"name": "created",
			"transport": map[string]any{"transport": "janus.transport.websockets", "id": "4242"}}),
		ev(telemetry.TypeHandle, 0, testHandle, testOpaque, map[string]any{"name": "attached",
			"plugin": "janus.plugin.echotest", "opaque_id": testOpaque}),
		ev(telemetry.TypeJSEP, 0, testHandle, testOpaque, map[string]any{"owner": "remote",
			"jsep": map[string]any{"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n"}}),
		ev(telemetry.TypeJSEP, 0, testHandle, testOpaque, map[string]any{"owner": "local",
			"jsep": map[string]any{"type": "answer", "sdp": "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\n"}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, testHandle, testOpaque,
			map[string]any{"ice": "connected", "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCSelectedPair, testHandle, testOpaque, map[string]any{
			"selected-pair": "198.51.100.7:40000 [host,udp] <-> 203.0.113.9:50000 [srflx,udp]",
			"candidates": map[string]any{
				"local":  map[string]any{"address": "198.51.100.7", "port": 40000, "type": "host", "transport": "udp", "family": 4},
				"remote": map[string]any{"address": "203.0.113.9", "port": 50000, "type": "srflx", "transport": "udp", "family": 4},
			}, "stream_id": 1, "component_id": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, testHandle, testOpaque,
			map[string]any{"dtls": "connected", "stream_id": 1, "component_id": 1, "retransmissions": 0}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, testHandle, testOpaque,
			map[string]any{"connection": "webrtcup"}),
		ev(telemetry.TypePlugin, 0, testHandle, testOpaque, telemetry.PluginBody{Plugin: "janus.plugin.echotest",
			Data: map[string]any{"audio_active": true, "video_active": true}}),
	}
	events = append(events, media(50, 48, 2)...)
	events = append(events, media(100, 95, 5)...)
	events = append(events,
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, testHandle, testOpaque,
			map[string]any{"connection": "hangup", "reason": "DTLS alert"}),
		ev(telemetry.TypeHandle, 0, testHandle, testOpaque, map[string]any{"name": "detached",
			"plugin": "janus.plugin.echotest", "opaque_id": testOpaque}),
		ev(telemetry.TypeSession, 0, 0, "", map[string]any{"name": "destroyed"}),
	)
	return events
}

// mediaReportCount is the number of media report events in the script.
const mediaReportCount = 4

// qosPackets is the number of type 5 and type 34 packets of the script: each
// media report has one medium with media both ways, so a type 5 and a type
// 34 per direction.
const qosPackets = 4 * mediaReportCount
