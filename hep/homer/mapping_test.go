package homer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/telemetry"
)

func newTestMapper(t *testing.T, mod func(*SinkConfig)) *mapper {
	t.Helper()
	cfg := SinkConfig{URL: "udp://127.0.0.1:9060", NodeName: "node-a"}
	if mod != nil {
		mod(&cfg)
	}
	if _, _, err := cfg.withDefaults(); err != nil {
		t.Fatal(err)
	}
	return newMapper(&cfg)
}

func mapAll(t *testing.T, m *mapper, events []*telemetry.Event) [][]hep.Packet {
	t.Helper()
	var out [][]hep.Packet
	for _, e := range events {
		ps, err := m.packets(e, nil)
		if err != nil {
			t.Fatalf("packets(%+v): %v", e, err)
		}
		for i := range ps {
			if _, err := hep.AppendPacket(nil, &ps[i]); err != nil {
				t.Fatalf("encode: %v", err)
			}
		}
		out = append(out, ps)
	}
	return out
}

func TestFallbackAddresses(t *testing.T) {
	m := newTestMapper(t, nil)
	events := echoTestScript(1_700_000_000_000_000)
	out := mapAll(t, m, events)
	for i, ps := range out {
		e, p := events[i], ps[0]
		src, dst := netip.AddrPortFrom(p.SrcIP, p.SrcPort), netip.AddrPortFrom(p.DstIP, p.DstPort)
		pairKnown := e.HandleID != 0 && i >= 5 // the selected pair is event 5
		switch {
		case pairKnown && (src != clientRTP || dst != gwMedia):
			t.Errorf("event %d: %v -> %v, want the selected pair", i, src, dst)
		case !pairKnown && (src != fallbackClient || dst != fallbackServer):
			t.Errorf("event %d: %v -> %v, want the fallback", i, src, dst)
		}
	}
}

func TestCorrelation(t *testing.T) {
	sid := strconv.FormatUint(testSession, 10)
	handleOnly := &telemetry.Event{Emitter: "e", Type: telemetry.TypePlugin, Timestamp: 1, HandleID: testHandle,
		Body: telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: map[string]any{}}}
	core := &telemetry.Event{Emitter: "e", Type: telemetry.TypeCore, Subtype: 1, Timestamp: 1,
		Body: map[string]any{"status": "started"}}
	transport := &telemetry.Event{Emitter: "e", Type: telemetry.TypeTransport, Timestamp: 1,
		Body: telemetry.TransportBody{Transport: "janus.transport.http", ID: "1"}}
	unknownHandle := &telemetry.Event{Emitter: "e", Type: telemetry.TypePlugin, Timestamp: 1, HandleID: 999,
		Body: map[string]any{}}
	tests := []struct {
		mode string
		want []string // for script events 0 (session), 1 (attached), then handleOnly, core, transport, unknownHandle
	}{
		{CorrelationSession, []string{sid, sid, sid, "node-a", "node-a", "node-a"}},
		{CorrelationOpaque, []string{sid, testOpaque, testOpaque, "node-a", "node-a", "node-a"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			m := newTestMapper(t, func(c *SinkConfig) { c.Correlation = tt.mode })
			script := echoTestScript(1)
			events := []*telemetry.Event{script[0], script[1], handleOnly, core, transport, unknownHandle}
			out := mapAll(t, m, events)
			for i, ps := range out {
				if ps[0].CorrelationID != tt.want[i] {
					t.Errorf("event %d (type %d): cid %q, want %q", i, events[i].Type, ps[0].CorrelationID, tt.want[i])
				}
			}
		})
	}
}

func TestMediaReportCombined(t *testing.T) {
	m := newTestMapper(t, nil)
	e := &telemetry.Event{Emitter: "e", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
		Timestamp: 1_700_000_000_000_000, SessionID: 1, HandleID: 2, Body: []map[string]any{
			{"mid": "0", "mindex": 0, "media": "audio", "packets-received": 10, "packets-sent": 10, "bytes-sent": 100, "jitter-local": 1},
			{"mid": "1", "mindex": 1, "media": "video", "packets-received": 10, "packets-sent": 10, "bytes-sent": 100},
			{"mid": "1", "mindex": 1, "media": "video-sim1", "packets-received": 5, "packets-sent": 5, "bytes-sent": 50},
			{"mid": "2", "mindex": 2, "media": "data", "packets-received": 5, "packets-sent": 5, "bytes-sent": 50},
		}}
	ps := mapAll(t, m, []*telemetry.Event{e})[0]
	if len(ps) != 1+2*3 {
		t.Fatalf("%d packets, want 7 (log + 3 media × 2; data skipped)", len(ps))
	}
	var r rtcpJSON
	if err := json.Unmarshal(ps[1].Payload, &r); err != nil {
		t.Fatal(err)
	}
	if r.ReportBlocks[0].IAJitter != 48 { // 1 ms at the audio default 48 kHz
		t.Fatalf("ia_jitter %d, want 48", r.ReportBlocks[0].IAJitter)
	}
}

func TestMediaQoSDerivations(t *testing.T) {
	const t0 = int64(1_700_000_000_000_000)
	r1 := mediaReport{Media: "audio", Base: 48000, Lost: 10, PacketsReceived: 90, PacketsSent: 100,
		BytesSent: 16000, JitterLocal: 20, RTT: 100, RTTValues: &rttValues{LSR: 7, DLSR: 65536}}
	q, err := mediaQoS(&r1, streamCounters{}, t0, 5, 6, "cid")
	if err != nil {
		t.Fatal(err)
	}
	var rt rtcpJSON
	var ag rtpAgentJSON
	if err := json.Unmarshal(q.rtcp, &rt); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(q.rtpAgent, &ag); err != nil {
		t.Fatal(err)
	}
	rb := rt.ReportBlocks[0]
	if rb.FractionLost != 25 || rb.PacketsLost != 10 || rb.HighestSeqNo != 100 || rb.IAJitter != 960 ||
		rb.LSR != 7 || rb.DLSR != 65536 || rt.SenderInformation.Packets != 100 || rt.SenderInformation.Octets != 16000 ||
		rt.SenderInformation.NTPTimestampSec != 1_700_000_000+ntpEpochOffset {
		t.Fatalf("type 5: %s", q.rtcp)
	}
	_, wantMOS := eModel(0.1, 20, 100)
	if ag.MOS != wantMOS || ag.TotalPK != 90 || ag.ExpectedPK != 100 || ag.PacketLoss != 10 || ag.Jitter != 20 || ag.Delta != 0 {
		t.Fatalf("type 34: %s", q.rtpAgent)
	}
	// Second report one second later: interval loss 0 of 50, delta 20 ms.
	r2 := r1
	r2.PacketsReceived = 140
	q, err = mediaQoS(&r2, streamCounters{timestamp: t0, lost: 10, received: 90}, t0+1_000_000, 5, 6, "cid")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(q.rtcp, &rt)
	_ = json.Unmarshal(q.rtpAgent, &ag)
	if rt.ReportBlocks[0].FractionLost != 0 || ag.Delta != 20 || ag.ExpectedPK != 150 {
		t.Fatalf("second report: %s %s", q.rtcp, q.rtpAgent)
	}
}

func TestEModel(t *testing.T) {
	tests := []struct {
		loss, jitter, rtt float64
		minMOS, maxMOS    float64
	}{
		{0, 0, 0, 4.39, 4.42},     // R 92.96
		{0.01, 10, 50, 4.1, 4.3},  // good call
		{0.05, 30, 200, 3.2, 3.8}, // degraded
		{0.2, 50, 600, 1.0, 2.0},  // bad
		{1, 1000, 5000, 1.0, 1.0}, // R <= 0
		{-1, -5, -5, 4.39, 4.42},  // clamped
	}
	for _, tt := range tests {
		r, mos := eModel(tt.loss, tt.jitter, tt.rtt)
		if mos < tt.minMOS || mos > tt.maxMOS {
			t.Errorf("eModel(%v, %v, %v) = R %v MOS %v, want MOS in [%v, %v]", tt.loss, tt.jitter, tt.rtt, r, mos, tt.minMOS, tt.maxMOS)
		}
	}
	if r, _ := eModel(0, 0, 0); r != 92.96 {
		t.Errorf("R0 = %v, want 92.96", r)
	}
}

func TestParseSelectedPair(t *testing.T) {
	tests := []struct {
		body          string
		local, remote string
		ok            bool
	}{
		{`{"selected-pair":"10.0.0.1:4000 [host,udp] <-> 10.0.0.2:5000 [prflx,udp]"}`, "10.0.0.1:4000", "10.0.0.2:5000", true},
		{`{"selected-pair":"2001:db8::1:4000 [host,udp] <-> 2001:db8::2:5000 [srflx,udp]"}`, "[2001:db8::1]:4000", "[2001:db8::2]:5000", true},
		{`{"selected-pair":"x","candidates":{"local":{"address":"::ffff:10.0.0.1","port":1},"remote":{"address":"10.0.0.3","port":2}}}`, "10.0.0.1:1", "10.0.0.3:2", true},
		{`{"selected-pair":"abc.local:1 [host,udp] <-> 10.0.0.2:5000 [host,udp]"}`, "", "", false},
		{`{"selected-pair":"garbage"}`, "", "", false},
		{`not json`, "", "", false},
	}
	for _, tt := range tests {
		l, r, ok := parseSelectedPair([]byte(tt.body))
		if ok != tt.ok || ok && (l.String() != tt.local || r.String() != tt.remote) {
			t.Errorf("%s: got %v %v %v", tt.body, l, r, ok)
		}
	}
}

func TestTruncation(t *testing.T) {
	m := newTestMapper(t, nil)
	sdp := strings.Repeat("a=candidate:1 1 udp 2130706431 192.0.2.1 50000 typ host\r\n", 2000) // ~110 kB
	jsep := &telemetry.Event{Emitter: "e", Type: telemetry.TypeJSEP, Timestamp: 1, SessionID: 1, HandleID: 2,
		Body: map[string]any{"owner": "local", "jsep": map[string]any{"type": "offer", "sdp": sdp}}}
	other := &telemetry.Event{Emitter: "e", Type: telemetry.TypePlugin, Timestamp: 1, SessionID: 1, HandleID: 2,
		Body: map[string]any{"plugin": "p", "data": strings.Repeat("y", 70000)}}
	out := mapAll(t, m, []*telemetry.Event{jsep, other})
	for i, ps := range out {
		b, err := hep.AppendPacket(nil, &ps[0])
		if err != nil || len(b) > hep.MaxPacketLen {
			t.Fatalf("event %d: %d bytes, %v", i, len(b), err)
		}
		var doc map[string]any
		if err := json.Unmarshal(ps[0].Payload, &doc); err != nil {
			t.Fatalf("event %d: truncated payload is not JSON: %v", i, err)
		}
	}
	var j struct {
		Event struct{ Jsep struct{ SDP string } }
	}
	_ = json.Unmarshal(out[0][0].Payload, &j)
	if !strings.HasPrefix(j.Event.Jsep.SDP, sdp[:1000]) || !strings.Contains(j.Event.Jsep.SDP, "[argus: sdp truncated,") ||
		len(out[0][0].Payload) < hep.MaxPacketLen-1000 {
		t.Fatalf("sdp not cut as documented: len %d tail %q", len(out[0][0].Payload), j.Event.Jsep.SDP[len(j.Event.Jsep.SDP)-60:])
	}
	var stub struct {
		Truncated    bool   `json:"truncated"`
		OriginalSize int    `json:"original_size"`
		HandleID     uint64 `json:"handle_id"`
	}
	_ = json.Unmarshal(out[1][0].Payload, &stub)
	if !stub.Truncated || stub.OriginalSize < 70000 || stub.HandleID != 2 {
		t.Fatalf("stub: %s", out[1][0].Payload)
	}
	if m.truncated != 2 {
		t.Fatalf("truncated = %d", m.truncated)
	}
}

func TestHandleTableBounded(t *testing.T) {
	tb := newHandleTable(100)
	for i := range uint64(10_000) {
		tb.ensure(i)
		if i%3 == 0 {
			tb.remove(i)
		}
		if tb.len() > 100 || len(tb.order) > 2*tb.len()+16 {
			t.Fatalf("after %d: %d entries, %d order", i, tb.len(), len(tb.order))
		}
	}
	if tb.state(9_998) == nil || tb.state(0) != nil {
		t.Fatal("newest entry evicted or oldest kept")
	}
}

func TestNewSinkConfig(t *testing.T) {
	tests := []struct {
		cfg  SinkConfig
		want error
	}{
		{SinkConfig{URL: "udp://127.0.0.1:9060"}, nil},
		{SinkConfig{URL: "tcp://heplify:9061", Correlation: "opaque"}, nil},
		{SinkConfig{URL: "tls://[::1]:9061"}, nil},
		{SinkConfig{URL: "http://127.0.0.1:9060"}, ErrBadURL},
		{SinkConfig{URL: "udp://127.0.0.1"}, ErrBadURL},
		{SinkConfig{URL: "udp://127.0.0.1:9060/x"}, ErrBadURL},
		{SinkConfig{URL: ":::"}, ErrBadURL},
		{SinkConfig{URL: "udp://127.0.0.1:9060", Correlation: "room"}, ErrBadCorrelation},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.cfg.URL, tt.cfg.Correlation), func(t *testing.T) {
			s, err := NewSink(tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if err == nil && (s.cfg.CaptureID != DefaultCaptureID || s.cfg.NodeName != DefaultNodeName) {
				t.Fatalf("defaults not applied: %+v", s.cfg)
			}
		})
	}
}

func TestLearnedTransportAddress(t *testing.T) {
	gw := netip.MustParseAddrPort("192.0.2.1:8188")
	m := newTestMapper(t, func(c *SinkConfig) { c.ServerAddr = gw })
	tr := func(data map[string]any) *telemetry.Event {
		return &telemetry.Event{Emitter: "e", Type: telemetry.TypeTransport, Timestamp: 1,
			Body: telemetry.TransportBody{Transport: "janus.transport.http", ID: "4242", Data: data}}
	}
	events := append([]*telemetry.Event{tr(map[string]any{"event": "request", "admin_api": false, "ip": "::ffff:198.51.100.20", "port": 61000})},
		echoTestScript(1)...)
	events = append(events, tr(map[string]any{"event": "disconnected"}))
	out := mapAll(t, m, events)
	want := netip.MustParseAddrPort("198.51.100.20:61000")
	for i, ps := range out[:len(out)-1] {
		src, dst := netip.AddrPortFrom(ps[0].SrcIP, ps[0].SrcPort), netip.AddrPortFrom(ps[0].DstIP, ps[0].DstPort)
		if src != want || dst != gw {
			t.Errorf("event %d (type %d): %v -> %v, want %v -> %v", i, events[i].Type, src, dst, want, gw)
		}
	}
	if m.sessions.len() != 0 || m.transports.len() != 0 || m.handles.len() != 0 {
		t.Fatalf("state left: %d sessions, %d transports, %d handles", m.sessions.len(), m.transports.len(), m.handles.len())
	}
}

func TestRoomCorrelation(t *testing.T) {
	const pubS, pubH, subS, subH = 11, 12, 21, 22
	ev := func(typ telemetry.Type, sub int, s, h uint64, body any) *telemetry.Event {
		return &telemetry.Event{Emitter: "e", Type: typ, Subtype: sub, Timestamp: 1, SessionID: s, HandleID: h, Body: body}
	}
	vr := func(data map[string]any) telemetry.PluginBody {
		return telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: data}
	}
	events := []*telemetry.Event{
		ev(telemetry.TypeHandle, 0, pubS, pubH, map[string]any{"name": "attached", "plugin": "janus.plugin.videoroom"}),
		ev(telemetry.TypePlugin, 0, pubS, pubH, vr(map[string]any{"event": "joined", "room": 1234, "id": 5})),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, pubS, pubH, map[string]any{"connection": "webrtcup"}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, pubS, pubH, map[string]any{"media": "audio", "packets-sent": 1}),
		ev(telemetry.TypePlugin, 0, subS, subH, vr(map[string]any{"event": "subscribing", "room": 1234})),
		ev(telemetry.TypePlugin, 0, 0, 0, vr(map[string]any{"event": "leaving", "room": 1234, "id": 5})),
		ev(telemetry.TypePlugin, 0, 0, 0, vr(map[string]any{"event": "created", "room": "lobby"})),
		ev(telemetry.TypeHandle, 0, pubS, pubH, map[string]any{"name": "detached", "plugin": "janus.plugin.videoroom"}),
	}
	wantRoom := []string{"", "room-1234", "room-1234", "", "room-1234", "room-1234", "room-lobby", "room-1234"}
	for _, disabled := range []bool{false, true} {
		m := newTestMapper(t, func(c *SinkConfig) { c.DisableRoomCorrelation = disabled })
		for i, ps := range mapAll(t, m, events) {
			var rooms []string
			for _, p := range ps {
				if strings.HasPrefix(p.CorrelationID, roomPrefix) {
					rooms = append(rooms, p.CorrelationID)
					if p.ProtoType != hep.ProtoLog || string(p.Payload) != string(ps[0].Payload) {
						t.Errorf("event %d: room copy differs from the LOG packet", i)
					}
				}
			}
			want := wantRoom[i]
			if disabled {
				want = ""
			}
			if want == "" && len(rooms) != 0 || want != "" && (len(rooms) != 1 || rooms[0] != want) {
				t.Errorf("disabled=%v event %d: room packets %v, want %q", disabled, i, rooms, want)
			}
		}
	}
}
