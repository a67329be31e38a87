package telemetry_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

type obj = map[string]any

// bodyCase is one body kind: old is the body as the emitters built it
// before bodies had Go types (a map, or, for the core's ordered objects,
// their JSON), typed the Go value that replaces it.
type bodyCase struct {
	name  string
	typ   telemetry.Type
	sub   int
	old   any
	typed any
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// oldReport is the media report map exactly as core/webrtc built it.
func oldReport(media string, mindex int, remb uint64) obj {
	b := obj{
		"mid": "1", "mindex": mindex, "media": media,
		"packets-received": uint64(6000), "packets-sent": uint64(5990),
		"bytes-received": uint64(6000000), "bytes-sent": uint64(5990000),
	}
	if media == "data" {
		return b
	}
	b["codec"] = "vp8"
	b["base"] = uint32(90000)
	b["rtt"] = int64(12)
	b["lost"] = int64(3)
	b["lost-by-remote"] = int64(0)
	b["jitter-local"] = math.Round(2.4)
	b["jitter-remote"] = math.Round(3.6)
	b["in-link-quality"] = 100
	b["in-media-link-quality"] = 98
	b["out-link-quality"] = 0
	b["out-media-link-quality"] = 0
	b["bytes-received-lastsec"] = uint64(300000)
	b["bytes-sent-lastsec"] = uint64(0)
	b["nacks-received"] = uint64(3)
	b["nacks-sent"] = uint64(2)
	b["retransmissions-received"] = uint64(0)
	if mindex == 0 && remb > 0 {
		b["remb-bitrate"] = remb
	}
	return b
}

func typedReport(media string, mindex int, remb uint64) telemetry.MediaReportBody {
	r := telemetry.MediaReportBody{Mid: "1", MIndex: mindex, Media: media,
		PacketsReceived: 6000, PacketsSent: 5990, BytesReceived: 6000000, BytesSent: 5990000}
	if media == "data" {
		return r
	}
	r.RTPStats = &telemetry.RTPStats{Codec: "vp8", Base: 90000, RTT: 12, Lost: 3, JitterLocal: 2, JitterRemote: 4,
		InLinkQuality: 100, InMediaLinkQuality: 98, BytesReceivedLastSec: 300000,
		NACKsReceived: 3, NACKsSent: 2, REMBBitrate: remb}
	return r
}

// streamsOld are a publisher's streams as VideoRoom builds them.
func streamsOld() []any {
	return []any{
		obj{"type": "audio", "mindex": 0, "mid": "0", "codec": "opus", "talking": false},
		obj{"type": "video", "mindex": 1, "mid": "1", "codec": "vp8", "simulcast": true, "moderated": true},
		obj{"type": "data", "mindex": 2, "mid": "2", "disabled": true},
	}
}

// summaryOld is a subscriber's subscription summary as VideoRoom builds it.
func summaryOld() []any {
	return []any{
		obj{"type": "video", "active": true, "mindex": 0, "mid": "0", "ready": false, "send": true,
			"feed_id": uint64(55), "feed_mid": "1", "feed_display": "Bob", "codec": "vp8",
			"simulcast": obj{"substream": int32(2), "substream-target": int32(2), "temporal-layer": int8(-1), "temporal-layer-target": int32(2)}},
		obj{"type": "data", "active": true, "mindex": 1, "mid": "1", "ready": false, "send": true,
			"feed_id": uint64(55), "feed_mid": "2", "sources": 1, "source_ids": []uint64{55}},
	}
}

func rawList(t *testing.T, l []any) []json.RawMessage {
	t.Helper()
	out := make([]json.RawMessage, len(l))
	for i, x := range l {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func bodyCases(t *testing.T) []bodyCase {
	id := telemetry.NumberID
	room := id(1234)
	vr := func(old obj, typed telemetry.VideoRoomData) bodyCase {
		return bodyCase{"videoroom " + old["event"].(string) + old["videoroom"].(string), telemetry.TypePlugin, 0,
			telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: old},
			telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: typed}}
	}
	ev := func(name string, kv ...any) obj {
		o := obj{"event": "", "videoroom": ""}
		if name[0] == '!' {
			o["videoroom"] = name[1:]
		} else {
			o["event"] = name
		}
		for i := 0; i < len(kv); i += 2 {
			o[kv[i].(string)] = kv[i+1]
		}
		return o
	}
	pid := telemetry.Ptr[uint32]
	cases := []bodyCase{
		{"session created", telemetry.TypeSession, 0,
			raw(`{"name":"created","transport":{"transport":"janus.transport.http","id":"42"}}`),
			telemetry.SessionBody{Name: "created", Transport: &telemetry.SessionTransport{Transport: "janus.transport.http", ID: "42"}}},
		{"session destroyed", telemetry.TypeSession, 0, raw(`{"name":"destroyed"}`), telemetry.SessionBody{Name: "destroyed"}},
		{"handle attached", telemetry.TypeHandle, 0,
			raw(`{"name":"attached","plugin":"janus.plugin.echotest","opaque_id":"o-1","token":"tk"}`),
			telemetry.HandleBody{Name: "attached", Plugin: "janus.plugin.echotest", OpaqueID: "o-1", Token: "tk"}},
		{"handle detached", telemetry.TypeHandle, 0, raw(`{"name":"detached","plugin":"janus.plugin.videoroom"}`),
			telemetry.HandleBody{Name: "detached", Plugin: "janus.plugin.videoroom"}},
		{"external custom_event", telemetry.TypeExternal, 0, raw(`{"schema":"my.schema","data":{"a":[1,"b"],"c":{}}}`),
			telemetry.ExternalBody{Schema: "my.schema", Data: raw(`{"a":[1,"b"],"c":{}}`)}},
		{"jsep", telemetry.TypeJSEP, 0, obj{"owner": "local", "jsep": obj{"type": "answer", "sdp": "v=0\r\n"}},
			telemetry.JSEPBody{Owner: "local", JSEP: telemetry.JSEP{Type: "answer", SDP: "v=0\r\n"}}},
		{"ice", telemetry.TypeWebRTC, 1, obj{"ice": "connecting", "stream_id": 1, "component_id": 1},
			telemetry.ICEBody{ICE: "connecting", Stream: telemetry.Stream{StreamID: 1, ComponentID: 1}}},
		{"local candidate", telemetry.TypeWebRTC, 2, obj{"local-candidate": "1 1 udp 2130706431 127.0.0.1 5000 typ host", "stream_id": 1, "component_id": 1},
			telemetry.LocalCandidateBody{Candidate: "1 1 udp 2130706431 127.0.0.1 5000 typ host", Stream: telemetry.Stream{StreamID: 1, ComponentID: 1}}},
		{"remote candidate", telemetry.TypeWebRTC, 3, obj{"remote-candidate": "2 1 udp 1 10.0.0.1 6000 typ srflx", "stream_id": 1, "component_id": 1},
			telemetry.RemoteCandidateBody{Candidate: "2 1 udp 1 10.0.0.1 6000 typ srflx", Stream: telemetry.Stream{StreamID: 1, ComponentID: 1}}},
		{"selected pair", telemetry.TypeWebRTC, 4, obj{
			"selected-pair": "127.0.0.1:5000 [host,udp] <-> 127.0.0.1:6000 [host,udp]",
			"candidates": obj{
				"local":  obj{"address": "127.0.0.1", "port": uint16(5000), "type": "host", "transport": "udp", "family": 4},
				"remote": obj{"address": "::1", "port": uint16(6000), "type": "prflx", "transport": "tcp", "family": 6},
			}, "stream_id": 1, "component_id": 1},
			telemetry.SelectedPairBody{SelectedPair: "127.0.0.1:5000 [host,udp] <-> 127.0.0.1:6000 [host,udp]",
				Candidates: &telemetry.CandidatePair{
					Local:  telemetry.Candidate{Address: "127.0.0.1", Port: 5000, Type: "host", Transport: "udp", Family: 4},
					Remote: telemetry.Candidate{Address: "::1", Port: 6000, Type: "prflx", Transport: "tcp", Family: 6}},
				Stream: telemetry.Stream{StreamID: 1, ComponentID: 1}}},
		{"dtls", telemetry.TypeWebRTC, 5, obj{"dtls": "connected", "retransmissions": 0, "stream_id": 1, "component_id": 1},
			telemetry.DTLSBody{DTLS: "connected", Stream: telemetry.Stream{StreamID: 1, ComponentID: 1}}},
		{"webrtcup", telemetry.TypeWebRTC, 6, obj{"connection": "webrtcup"}, telemetry.PeerConnectionBody{Connection: "webrtcup"}},
		{"hangup", telemetry.TypeWebRTC, 6, obj{"connection": "hangup", "reason": "DTLS alert"},
			telemetry.PeerConnectionBody{Connection: "hangup", Reason: "DTLS alert"}},
		{"media receiving", telemetry.TypeMedia, 1, obj{"media": "audio", "mid": "0", "receiving": true},
			telemetry.MediaStateBody{Media: "audio", Mid: "0", Receiving: true}},
		{"media not receiving", telemetry.TypeMedia, 1, obj{"media": "video", "mid": "1", "receiving": false, "seconds": 2},
			telemetry.MediaStateBody{Media: "video", Mid: "1", Seconds: 2}},
		{"slow link", telemetry.TypeMedia, 2, obj{"mid": "1", "media": "video", "slow_link": "uplink", "lost_lastsec": 7},
			telemetry.SlowLinkBody{Mid: "1", Media: "video", SlowLink: "uplink", LostLastSec: 7}},
		{"report video", telemetry.TypeMedia, 3, oldReport("video", 1, 0), typedReport("video", 1, 0)},
		{"report audio remb", telemetry.TypeMedia, 3, oldReport("audio", 0, 512000), typedReport("audio", 0, 512000)},
		{"report data", telemetry.TypeMedia, 3, oldReport("data", 2, 0), typedReport("data", 2, 0)},
		{"reports combined", telemetry.TypeMedia, 3, []map[string]any{oldReport("audio", 0, 0), oldReport("data", 2, 0)},
			telemetry.MediaReports{typedReport("audio", 0, 0), typedReport("data", 2, 0)}},
		{"echotest", telemetry.TypePlugin, 0,
			telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: obj{"audio_active": true, "video_active": false, "bitrate": uint64(0)}},
			telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: telemetry.EchoTestData{AudioActive: true}}},
		{"echotest simulcast", telemetry.TypePlugin, 0,
			telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: obj{"audio_active": true, "video_active": true, "bitrate": uint64(128000),
				"simulcast": obj{"substream": 0, "temporal-layer": -1}}},
			telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: telemetry.EchoTestData{AudioActive: true, VideoActive: true, Bitrate: 128000,
				Simulcast: &telemetry.EchoTestSimulcast{Substream: 0, TemporalLayer: -1}}}},
		vr(ev("created", "room", uint64(1234)), telemetry.VideoRoomData{Event: "created", Room: room}),
		vr(ev("joined", "room", uint64(1234), "id", uint64(55), "private_id", uint32(0), "display", "Bob"),
			telemetry.VideoRoomData{Event: "joined", Room: room, ID: id(55), PrivateID: pid(0), Display: "Bob"}),
		vr(ev("published", "room", uint64(1234), "id", uint64(55), "streams", streamsOld()),
			telemetry.VideoRoomData{Event: "published", Room: room, ID: id(55), Streams: rawList(t, streamsOld())}),
		vr(ev("published", "room", uint64(1234), "id", uint64(56), "streams", []any{}),
			telemetry.VideoRoomData{Event: "published", Room: room, ID: id(56), Streams: []json.RawMessage{}}),
		vr(ev("configured", "room", uint64(1234), "id", uint64(55), "bitrate", uint64(0), "display", "Bob"),
			telemetry.VideoRoomData{Event: "configured", Room: room, ID: id(55), Bitrate: telemetry.Ptr[uint64](0), Display: "Bob"}),
		vr(ev("unpublished", "room", uint64(1234), "id", uint64(55)), telemetry.VideoRoomData{Event: "unpublished", Room: room, ID: id(55)}),
		vr(ev("!moderated", "room", uint64(1234), "id", uint64(55), "mid", "1", "moderation", "muted"),
			telemetry.VideoRoomData{VideoRoom: "moderated", Room: room, ID: id(55), Mid: "1", Moderation: "muted"}),
		vr(ev("!talking", "room", uint64(1234), "id", uint64(55), "mindex", 0, "mid", "0", "audio-level-dBov-avg", telemetry.Real(10)),
			telemetry.VideoRoomData{VideoRoom: "talking", Room: room, ID: id(55), MIndex: telemetry.Ptr(0), Mid: "0", AudioLevel: telemetry.Ptr(telemetry.Real(10))}),
		vr(ev("subscribing", "room", uint64(1234), "streams", summaryOld(), "private_id", uint32(0)),
			telemetry.VideoRoomData{Event: "subscribing", Room: room, Streams: rawList(t, summaryOld()), PrivateID: pid(0)}),
		vr(ev("switched", "room", uint64(1234), "changes", 0, "streams", summaryOld()),
			telemetry.VideoRoomData{Event: "switched", Room: room, Changes: telemetry.Ptr(0), Streams: rawList(t, summaryOld())}),
		vr(ev("unsubscribed", "room", uint64(1234), "feed", uint64(55), "mid", "1"),
			telemetry.VideoRoomData{Event: "unsubscribed", Room: room, Feed: id(55), Mid: "1"}),
		vr(ev("joined", "room", "lobby", "id", "carol"), telemetry.VideoRoomData{Event: "joined", Room: telemetry.StringID("lobby"), ID: telemetry.StringID("carol")}),
		{"transport request", telemetry.TypeTransport, 0,
			raw(`{"transport":"janus.transport.http","id":"7","data":{"event":"request","admin_api":false,"ip":"127.0.0.1","port":40000}}`),
			telemetry.TransportBody{Transport: "janus.transport.http", ID: "7",
				Data: telemetry.TransportData{Event: "request", AdminAPI: telemetry.Ptr(false), IP: "127.0.0.1", Port: 40000}}},
		{"transport connected ws", telemetry.TypeTransport, 0,
			raw(`{"transport":"janus.transport.websockets","id":"8","data":{"event":"connected","admin_api":true,"ip":"::1"}}`),
			telemetry.TransportBody{Transport: "janus.transport.websockets", ID: "8",
				Data: telemetry.TransportData{Event: "connected", AdminAPI: telemetry.Ptr(true), IP: "::1"}}},
		{"transport connected unix", telemetry.TypeTransport, 0,
			raw(`{"transport":"janus.transport.pfunix","id":"9","data":{"event":"connected","admin_api":false,"path":"/run/j.sock"}}`),
			telemetry.TransportBody{Transport: "janus.transport.pfunix", ID: "9",
				Data: telemetry.TransportData{Event: "connected", AdminAPI: telemetry.Ptr(false), Path: "/run/j.sock"}}},
		{"transport connected broker", telemetry.TypeTransport, 0,
			raw(`{"transport":"janus.transport.mqtt","id":"10","data":{"event":"connected","admin_api":false,"broker":"127.0.0.1:1883"}}`),
			telemetry.TransportBody{Transport: "janus.transport.mqtt", ID: "10",
				Data: telemetry.TransportData{Event: "connected", AdminAPI: telemetry.Ptr(false), Broker: "127.0.0.1:1883"}}},
		{"transport disconnected", telemetry.TypeTransport, 0,
			raw(`{"transport":"janus.transport.websockets","id":"8","data":{"event":"disconnected"}}`),
			telemetry.TransportBody{Transport: "janus.transport.websockets", ID: "8", Data: telemetry.TransportData{Event: "disconnected"}}},
		{"core started", telemetry.TypeCore, 1, raw(`{"status":"started","info":{"janus":"server_info","name":"Argus","transports":{}}}`),
			telemetry.CoreStatusBody{Status: "started", Info: raw(`{"janus":"server_info","name":"Argus","transports":{}}`)}},
		{"core update", telemetry.TypeCore, 1, raw(`{"status":"update","info":{"sessions":1,"handles":2,"peerconnections":1,"stats-period":1}}`),
			telemetry.CoreStatusBody{Status: "update", Info: mustMarshal(t, telemetry.CoreCounts{Sessions: 1, Handles: 2, PeerConnections: 1, StatsPeriod: 1})}},
		{"core shutdown", telemetry.TypeCore, 2, raw(`{"status":"shutdown","signum":15}`),
			telemetry.CoreShutdownBody{Status: "shutdown", Signum: 15}},
	}
	for i := range cases { // ev's placeholders: a VideoRoom event has "event" or "videoroom"
		if p, ok := cases[i].old.(telemetry.PluginBody); ok {
			if m, ok := p.Data.(obj); ok {
				for _, k := range []string{"event", "videoroom"} {
					if m[k] == "" {
						delete(m, k)
					}
				}
			}
		}
	}
	return cases
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// generic decodes JSON with json.Number, so that 1 and 1.0 and "1" differ.
func generic(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// TestTypedBodiesEncodeAsBefore: every typed body encodes to the JSON the
// body built the old way encoded to, key for key, value for value and
// JSON type for JSON type, within the whole event.
func TestTypedBodiesEncodeAsBefore(t *testing.T) {
	for _, c := range bodyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			mk := func(body any) []byte {
				b, err := json.Marshal(&telemetry.Event{Emitter: "argus-1", Type: c.typ, Subtype: c.sub, Timestamp: 1,
					SessionID: 2, HandleID: 3, OpaqueID: "o", Body: body})
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			before, after := mk(c.old), mk(c.typed)
			if !reflect.DeepEqual(generic(t, before), generic(t, after)) {
				t.Errorf("JSON changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestTypedBodiesDecodeByKind: an event decoded from the wire has the Go
// body of its (type, subtype), equal to the one that was encoded, and
// Typed turns a body built the old way into the same value.
func TestTypedBodiesDecodeByKind(t *testing.T) {
	for _, c := range bodyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(&telemetry.Event{Type: c.typ, Subtype: c.sub, Body: c.typed})
			if err != nil {
				t.Fatal(err)
			}
			var e telemetry.Event
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(e.Body, c.typed) {
				t.Errorf("decoded %T %+v\nwant    %T %+v", e.Body, e.Body, c.typed, c.typed)
			}
			old := telemetry.Event{Type: c.typ, Subtype: c.sub, Body: c.old}
			if got := old.Typed(); !reflect.DeepEqual(got, c.typed) {
				t.Errorf("Typed of the old body %T %+v\nwant %T %+v", got, got, c.typed, c.typed)
			}
			if got := e.Typed(); !reflect.DeepEqual(got, c.typed) {
				t.Errorf("Typed of a typed body changed it: %+v", got)
			}
		})
	}
}

// TestUnknownBodiesStayRaw: kinds without a Go type, and bodies that do not
// fit theirs, decode to their raw JSON and encode back unchanged.
func TestUnknownBodiesStayRaw(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  telemetry.Type
		sub  int
		body string
		want any
	}{
		{"unknown webrtc subtype", telemetry.TypeWebRTC, 9, `{"x":1}`, raw(`{"x":1}`)},
		{"unknown type", telemetry.Type(512), 0, `{"x":1}`, raw(`{"x":1}`)},
		{"not an object", telemetry.TypeSession, 0, `"created"`, raw(`"created"`)},
		{"wrong field type", telemetry.TypeWebRTC, 1, `{"ice":7}`, raw(`{"ice":7}`)},
		{"foreign plugin", telemetry.TypePlugin, 0, `{"plugin":"janus.plugin.x","data":{"a":1}}`,
			telemetry.PluginBody{Plugin: "janus.plugin.x", Data: raw(`{"a":1}`)}},
		{"videoroom data of another shape", telemetry.TypePlugin, 0, `{"plugin":"janus.plugin.videoroom","data":{"room":-1}}`,
			telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: raw(`{"room":-1}`)}},
		{"transport data of another shape", telemetry.TypeTransport, 0, `{"transport":"t","id":"1","data":[1]}`,
			telemetry.TransportBody{Transport: "t", ID: "1", Data: raw(`[1]`)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := ""
			if c.sub > 0 {
				sub = `,"subtype":` + jsonInt(c.sub)
			}
			in := `{"emitter":"e","type":` + jsonInt(int(c.typ)) + sub + `,"timestamp":1,"event":` + c.body + `}`
			var e telemetry.Event
			if err := json.Unmarshal([]byte(in), &e); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(e.Body, c.want) {
				t.Fatalf("body %T %+v, want %T %+v", e.Body, e.Body, c.want, c.want)
			}
			out, err := json.Marshal(&e)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(generic(t, []byte(in)), generic(t, out)) {
				t.Errorf("re-encoded %s, want %s", out, in)
			}
		})
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }
