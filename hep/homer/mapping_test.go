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

// TestNodeAddresses: rows with no client address yet (the session's
// transport is unknown, the ICE pair not yet selected) and client-less core
// rows carry the gateway's own address on both ends: server_addr when set,
// else the last listener a transport reported, else the local end of the
// sink's HEP connection. Never a placeholder.
func TestNodeAddresses(t *testing.T) {
	hepConn := netip.MustParseAddrPort("192.0.2.5:41000")
	listenerAddr := netip.MustParseAddrPort("192.0.2.5:8088")
	configured := netip.MustParseAddrPort("198.51.100.1:8188")
	startup := &telemetry.Event{Emitter: "e", Type: telemetry.TypeCore, Subtype: telemetry.SubtypeCoreStartup,
		Timestamp: 1_699_999_999_000_000, Body: map[string]any{"status": "started"}}
	connected := &telemetry.Event{Emitter: "e", Type: telemetry.TypeTransport, Timestamp: 1_699_999_999_500_000,
		Body: telemetry.TransportBody{Transport: "janus.transport.http", ID: "77",
			Data: map[string]any{"event": "connected"}, Remote: netip.MustParseAddrPort("192.0.2.9:50123"), Local: listenerAddr}}
	tests := []struct {
		name       string
		serverAddr netip.AddrPort
		listener   bool // a transport reported its listener after startup
		startup    netip.AddrPort
		want       netip.AddrPort
	}{
		{"before any listener: the HEP connection's local address", netip.AddrPort{}, false, hepConn, hepConn},
		{"after a transport reported its listener", netip.AddrPort{}, true, hepConn, listenerAddr},
		{"server_addr configured", configured, false, configured, configured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMapper(t, func(c *SinkConfig) { c.ServerAddr = tt.serverAddr })
			m.self = hepConn
			events := []*telemetry.Event{startup}
			if tt.listener {
				events = append(events, connected)
			}
			script := echoTestScript(1_700_000_000_000_000)
			events = append(events, script...)
			out := mapAll(t, m, events)
			first := len(events) - len(script)
			for i, ps := range out {
				e, p := events[i], ps[0]
				src, dst := netip.AddrPortFrom(p.SrcIP, p.SrcPort), netip.AddrPortFrom(p.DstIP, p.DstPort)
				pairKnown := e.HandleID != 0 && i >= first+5 // the selected pair is script event 5
				switch {
				case e.Type == telemetry.TypeTransport:
				case e.Type == telemetry.TypeCore && (src != tt.startup || dst != tt.startup):
					t.Errorf("startup: %v -> %v, want %v on both ends", src, dst, tt.startup)
				case e.Type == telemetry.TypeCore:
				case pairKnown && (src != clientRTP || dst != gwMedia):
					t.Errorf("event %d: %v -> %v, want the selected pair", i, src, dst)
				case !pairKnown && (src != tt.want || dst != tt.want):
					t.Errorf("event %d (type %d): %v -> %v, want %v on both ends", i, e.Type, src, dst, tt.want)
				}
			}
		})
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

// TestDownlinkWaitsForReceiverReports: a downlink (the gateway sends) gets
// type 5 and type 34 rows only from the first report that shows the
// client's RTCP receiver reports (loss, jitter or RTT non-zero); before,
// its zeros would read as a perfect stream. Once shown, later reports are
// sent even when they read zero.
func TestDownlinkWaitsForReceiverReports(t *testing.T) {
	report := func(ts int64, sent, lostByRemote, jitterRemote, rtt float64) *telemetry.Event {
		return &telemetry.Event{Emitter: "e", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
			Timestamp: ts, SessionID: 1, HandleID: 2, Body: map[string]any{
				"mid": "0", "mindex": 0, "media": "audio", "base": 48000, "packets-sent": sent, "bytes-sent": sent * 100,
				"lost-by-remote": lostByRemote, "jitter-remote": jitterRemote, "rtt": rtt}}
	}
	const t0 = 1_700_000_000_000_000
	tests := []struct {
		name  string
		first *telemetry.Event // the client has not reported yet: no rows
		shown *telemetry.Event // the first report with the client's view
	}{
		{"jitter shows the report", report(t0, 50, 0, 0, 0), report(t0+1e6, 100, 0, 3, 0)},
		{"rtt shows the report", report(t0, 50, 0, 0, 0), report(t0+1e6, 100, 0, 0, 12)},
		{"loss shows the report", report(t0, 50, 0, 0, 0), report(t0+1e6, 100, 2, 0, 0)},
		{"a second report of zeros is the client's clean view", report(t0, 50, 0, 0, 0), report(t0+1e6, 100, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMapper(t, nil)
			later := report(t0+2e6, 150, 0, 0, 0) // reads zero again, still sent
			out := mapAll(t, m, []*telemetry.Event{tt.first, tt.shown, later})
			if n := len(out[0]); n != 1 {
				t.Errorf("before the client's report: %d packets, want only the LOG row", n)
			}
			for i, ps := range out[1:] {
				if len(ps) != 3 || ps[1].ProtoType != hep.ProtoRTCP || ps[2].ProtoType != hep.ProtoRTPAgent {
					t.Fatalf("report %d after the client's report: %d packets, want LOG, type 5 and type 34", i+1, len(ps))
				}
			}
			var a rtpAgentJSON
			if err := json.Unmarshal(out[1][2].Payload, &a); err != nil {
				t.Fatal(err)
			}
			if a.Direction != dirDownlink || a.ExpectedPK != 100 {
				t.Errorf("first downlink row %+v, want gateway-to-client with 100 packets sent", a)
			}
		})
	}
}

func TestMediaReportCombined(t *testing.T) {
	m := newTestMapper(t, nil)
	e := &telemetry.Event{Emitter: "e", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
		Timestamp: 1_700_000_000_000_000, SessionID: 1, HandleID: 2, Body: []map[string]any{
			{"mid": "0", "mindex": 0, "media": "audio", "packets-received": 10, "bytes-received": 100, "packets-sent": 10, "bytes-sent": 100, "jitter-local": 1.4, "jitter-remote": 1},
			{"mid": "1", "mindex": 1, "media": "video", "packets-received": 10, "bytes-received": 100},
			{"mid": "1", "mindex": 1, "media": "video-sim1", "packets-sent": 5, "bytes-sent": 50, "lost-by-remote": 1},
			{"mid": "2", "mindex": 2, "media": "data", "packets-received": 5, "packets-sent": 5, "bytes-sent": 50},
		}}
	ps := mapAll(t, m, []*telemetry.Event{e})[0]
	// log + audio both ways + video uplink + sim1 downlink, 2 packets each;
	// data skipped.
	if len(ps) != 1+2*4 {
		t.Fatalf("%d packets, want 9", len(ps))
	}
	var r rtcpJSON
	if err := json.Unmarshal(ps[1].Payload, &r); err != nil {
		t.Fatal(err)
	}
	if r.ReportBlocks[0].IAJitter != 1 { // ms, rounded
		t.Fatalf("ia_jitter %d, want 1 (ms)", r.ReportBlocks[0].IAJitter)
	}
	// One millisecond per packet: homer-ui joins rows by id and create_date
	// in ms, and the tables' ids run in lockstep.
	for i, p := range ps {
		if want := e.Timestamp + int64(i)*1000; p.Time().UnixMicro() != want {
			t.Fatalf("packet %d at %d µs, want %d (the next millisecond after the previous one)", i, p.Time().UnixMicro(), want)
		}
	}
}

// TestStampShiftBounded: a correlation id fed far over one packet per
// millisecond gets unique milliseconds for a second's worth of packets,
// then its packets keep their own time until the clock catches up.
func TestStampShiftBounded(t *testing.T) {
	m := newTestMapper(t, nil)
	const t0 = int64(1_700_000_000_000_000)
	n := int(maxStampShift.Milliseconds()) + 50
	ps := make([]hep.Packet, n)
	for i := range ps {
		ps[i].CorrelationID = "room-1"
		ps[i].SetMicros(t0 + int64(i)) // n packets in n µs
	}
	m.stampAll(ps)
	for i, p := range ps {
		got := p.Time().UnixMicro()
		want := t0 + int64(i)*1000 // shifted: one ms each
		if want-(t0+int64(i)) > maxStampShift.Microseconds() {
			want = t0 + int64(i) // past the bound: its own time
		}
		if got != want {
			t.Fatalf("packet %d at %d µs, want %d", i, got, want)
		}
	}
	// Once the clock passes the last shifted stamp, shifting resumes.
	later := []hep.Packet{{CorrelationID: "room-1"}, {CorrelationID: "room-1"}}
	at := t0 + maxStampShift.Microseconds() + 5000
	later[0].SetMicros(at)
	later[1].SetMicros(at)
	m.stampAll(later)
	if a, b := later[0].Time().UnixMicro(), later[1].Time().UnixMicro(); a != at || b != (at/1000+1)*1000 {
		t.Fatalf("after the clock caught up: %d and %d µs, want %d and %d", a, b, at, (at/1000+1)*1000)
	}
}

// qosOf maps one report through mediaQoS and decodes its rows by direction.
func qosOf(t *testing.T, r *mediaReport, prev map[bool]streamCounters, ts int64) (map[bool]rtcpJSON, map[bool]rtpAgentJSON, map[bool]streamCounters) {
	t.Helper()
	rows, next, err := mediaQoS(r, prev, ts, 5, 6, "cid")
	if err != nil {
		t.Fatal(err)
	}
	rt, ag := map[bool]rtcpJSON{}, map[bool]rtpAgentJSON{}
	for _, row := range rows {
		var a rtcpJSON
		var b rtpAgentJSON
		if err := json.Unmarshal(row.rtcp, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(row.rtpAgent, &b); err != nil {
			t.Fatal(err)
		}
		rt[row.uplink], ag[row.uplink] = a, b
	}
	return rt, ag, next
}

func TestMediaQoSDerivations(t *testing.T) {
	const t0 = int64(1_700_000_000_000_000)
	r1 := mediaReport{Media: "audio", Base: 48000, Lost: 10, PacketsReceived: 90, BytesReceived: 14400,
		PacketsSent: 100, BytesSent: 16000, LostByRemote: 4, JitterLocal: 20, JitterRemote: 7.6, RTT: 100}
	rt, ag, next := qosOf(t, &r1, nil, t0)
	if len(rt) != 2 {
		t.Fatalf("%d directions, want 2", len(rt))
	}
	up, down := rt[true], rt[false]
	rb := up.ReportBlocks[0]
	// Uplink: the client sent received+lost; bytes include the lost ones at
	// the mean size; the block is the gateway's view.
	if rb.FractionLost != 25 || rb.PacketsLost != 10 || rb.HighestSeqNo != 100 || rb.IAJitter != 20 ||
		rb.DLSR != 100 || rb.LSR != 0 || up.SenderInformation.Packets != 100 || up.SenderInformation.Octets != 16000 ||
		up.SenderInformation.NTPTimestampSec != 1_700_000_000+ntpEpochOffset {
		t.Fatalf("uplink type 5: %+v", up)
	}
	// Downlink: what the gateway sent; the block is the client's receiver
	// reports (lost-by-remote, jitter-remote).
	rb = down.ReportBlocks[0]
	if rb.FractionLost != 10 || rb.PacketsLost != 4 || rb.HighestSeqNo != 100 || rb.IAJitter != 8 ||
		down.SenderInformation.Packets != 100 || down.SenderInformation.Octets != 16000 || down.SSRC == up.SSRC {
		t.Fatalf("downlink type 5: %+v", down)
	}
	rf, wantMOS := eModel(0.1, 20, 100)
	a := ag[true]
	if a.MOS == nil || *a.MOS != wantMOS || *a.RFactor != rf || a.TotalPK != 90 || a.ExpectedPK != 100 ||
		a.PacketLoss != 10 || a.Jitter != 20 || a.Delta != 0 || a.Direction != dirUplink {
		t.Fatalf("uplink type 34: %+v", a)
	}
	_, wantMOS = eModel(0.04, 7.6, 100)
	a = ag[false]
	if a.MOS == nil || *a.MOS != wantMOS || a.TotalPK != 96 || a.ExpectedPK != 100 || a.PacketLoss != 4 || a.Direction != dirDownlink {
		t.Fatalf("downlink type 34: %+v", a)
	}
	// Second report one second later: interval loss 0 of 50, delta 20 ms.
	r2 := r1
	r2.PacketsReceived, r2.PacketsSent = 140, 150
	rt, ag, next = qosOf(t, &r2, next, t0+1_000_000)
	if rt[true].ReportBlocks[0].FractionLost != 0 || ag[true].Delta != 20 || ag[true].ExpectedPK != 150 ||
		rt[false].ReportBlocks[0].FractionLost != 0 {
		t.Fatalf("second report: %+v %+v", rt, ag)
	}
	// Third report, 20 ms later (the final one at hangup): 1 packet sent,
	// and the client's receiver report caught up with 4 more lost. Too few
	// packets to rate the interval: the stream's fraction so far (8 of 151),
	// not 100 %.
	r3 := r2
	r3.PacketsSent, r3.LostByRemote = 151, 8
	rt, ag, _ = qosOf(t, &r3, next, t0+1_020_000)
	_, wantMOS = eModel(8.0/151, 7.6, 100)
	if a := ag[false]; rt[false].ReportBlocks[0].FractionLost != uint8(256*8/151) || a.MOS == nil || *a.MOS != wantMOS {
		t.Fatalf("short interval: fraction_lost %d, MOS %v, want %d and %v",
			rt[false].ReportBlocks[0].FractionLost, a.MOS, uint8(256*8/151), wantMOS)
	}
}

func TestMediaQoSOneWay(t *testing.T) {
	tests := []struct {
		name   string
		r      mediaReport
		uplink []bool // directions expected
		mos    bool
	}{
		{"publisher video", mediaReport{Media: "video", PacketsReceived: 500, BytesReceived: 500_000, JitterLocal: 27}, []bool{true}, false},
		{"subscriber audio", mediaReport{Media: "audio", PacketsSent: 300, BytesSent: 30_000, LostByRemote: 3, JitterRemote: 4}, []bool{false}, true},
		{"nothing yet", mediaReport{Media: "audio"}, nil, false},
		{"simulcast layer", mediaReport{Media: "video-sim2", PacketsReceived: 10, BytesReceived: 1000}, []bool{true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, ag, _ := qosOf(t, &tt.r, nil, 1_700_000_000_000_000)
			if len(rt) != len(tt.uplink) {
				t.Fatalf("%d directions, want %v", len(rt), tt.uplink)
			}
			for _, up := range tt.uplink {
				si := rt[up].SenderInformation
				if si.Packets == 0 || si.Octets == 0 || ag[up].TotalPK == 0 {
					t.Errorf("uplink=%v: empty row %+v %+v", up, rt[up], ag[up])
				}
				if (ag[up].MOS != nil) != tt.mos || (ag[up].RFactor != nil) != tt.mos {
					t.Errorf("uplink=%v: MOS %v, want present=%v", up, ag[up].MOS, tt.mos)
				}
			}
		})
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
			tb.Delete(i)
		}
		if tb.Len() > 100 {
			t.Fatalf("after %d: %d entries", i, tb.Len())
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
	if m.sessions.Len() != 0 || m.transports.Len() != 0 || m.handles.Len() != 0 {
		t.Fatalf("state left: %d sessions, %d transports, %d handles", m.sessions.Len(), m.transports.Len(), m.handles.Len())
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
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, pubS, pubH, map[string]any{"media": "audio", "packets-received": 1, "bytes-received": 100}),
		ev(telemetry.TypePlugin, 0, subS, subH, vr(map[string]any{"event": "subscribing", "room": 1234})),
		ev(telemetry.TypePlugin, 0, 0, 0, vr(map[string]any{"event": "leaving", "room": 1234, "id": 5})),
		ev(telemetry.TypePlugin, 0, 0, 0, vr(map[string]any{"event": "created", "room": "lobby"})),
		ev(telemetry.TypeHandle, 0, pubS, pubH, map[string]any{"name": "detached", "plugin": "janus.plugin.videoroom"}),
	}
	wantRoom := []string{"", "room-1234", "room-1234", "", "room-1234", "room-1234", "room-lobby", "room-1234"}
	// The media report's QoS rows (one direction: type 5 and type 34) are
	// sent again under the room's id; its LOG row is not.
	wantRoomQoS := []int{0, 0, 0, 2, 0, 0, 0, 0}
	for _, disabled := range []bool{false, true} {
		m := newTestMapper(t, func(c *SinkConfig) { c.DisableRoomCorrelation = disabled })
		for i, ps := range mapAll(t, m, events) {
			var rooms []string
			qos := 0
			for j, p := range ps {
				if !strings.HasPrefix(p.CorrelationID, roomPrefix) {
					continue
				}
				if p.ProtoType != hep.ProtoLog {
					qos++
					if p.CorrelationID != "room-1234" || string(p.Payload) != string(ps[j-2].Payload) || ps[j-2].ProtoType != p.ProtoType {
						t.Errorf("event %d: room QoS copy %s differs from the session's", i, p.Payload)
					}
					continue
				}
				rooms = append(rooms, p.CorrelationID)
				if string(p.Payload) != string(ps[0].Payload) {
					t.Errorf("event %d: room copy differs from the LOG packet", i)
				}
			}
			want, wantQoS := wantRoom[i], wantRoomQoS[i]
			if disabled {
				want, wantQoS = "", 0
			}
			if want == "" && len(rooms) != 0 || want != "" && (len(rooms) != 1 || rooms[0] != want) || qos != wantQoS {
				t.Errorf("disabled=%v event %d: room packets %v + %d QoS, want %q + %d", disabled, i, rooms, qos, want, wantQoS)
			}
		}
	}
}

// TestTransportStateBounded: the transports keep the mapper's per-transport
// state to their live connections. A WebSocket connection and a broker
// transport (RabbitMQ: one "connected" for the process's life, never a
// "disconnected") stay known while HTTP requests, each with an id of its
// own and no event that ends it, come and go by the thousand: sessions
// created over the connection and the broker still get their addresses.
func TestTransportStateBounded(t *testing.T) {
	gw := netip.MustParseAddrPort("192.0.2.1:8188")
	m := newTestMapper(t, func(c *SinkConfig) { c.MaxHandles = 64 })
	tr := func(pkg, id, event string, remote netip.AddrPort) *telemetry.Event {
		return &telemetry.Event{Emitter: "e", Type: telemetry.TypeTransport, Timestamp: 1,
			Body: telemetry.TransportBody{Transport: pkg, ID: id, Data: telemetry.TransportData{Event: event},
				Remote: remote, Local: gw}}
	}
	created := func(sid uint64, pkg, id string) *telemetry.Event {
		return &telemetry.Event{Emitter: "e", Type: telemetry.TypeSession, Timestamp: 2, SessionID: sid,
			Body: telemetry.SessionBody{Name: "created", Transport: &telemetry.SessionTransport{Transport: pkg, ID: id}}}
	}
	ws := netip.MustParseAddrPort("203.0.113.5:50000")
	broker := netip.MustParseAddrPort("198.51.100.7:5672")
	events := []*telemetry.Event{
		tr("janus.transport.websockets", "1", "connected", ws),
		tr("janus.transport.rabbitmq", "2", "connected", broker),
	}
	const requests = 100 * 64
	for i := range requests {
		events = append(events, tr("janus.transport.http", strconv.Itoa(1000+i), "request",
			netip.AddrPortFrom(netip.MustParseAddr("198.51.100.20"), uint16(1024+i))))
	}
	lastReq := events[len(events)-1].Body.(telemetry.TransportBody)
	events = append(events,
		created(11, "janus.transport.websockets", "1"),
		created(12, "janus.transport.rabbitmq", "2"),
		created(13, "janus.transport.http", lastReq.ID))
	out := mapAll(t, m, events)
	for i, want := range []netip.AddrPort{ws, broker, lastReq.Remote} {
		ps := out[len(out)-3+i]
		if src := netip.AddrPortFrom(ps[0].SrcIP, ps[0].SrcPort); src != want {
			t.Errorf("session %d: src %v, want %v", 11+i, src, want)
		}
	}
	if n := m.transports.Len(); n != 2 {
		t.Errorf("%d transports known after %d HTTP requests, want the 2 connections", n, requests)
	}
}

// TestRequestStateReleased: an HTTP request's addresses are kept until the
// session it created names them, and only for the last requests.
func TestRequestStateReleased(t *testing.T) {
	m := newTestMapper(t, nil)
	req := func(id string) *telemetry.Event {
		return &telemetry.Event{Emitter: "e", Type: telemetry.TypeTransport, Timestamp: 1,
			Body: telemetry.TransportBody{Transport: "janus.transport.http", ID: id, Data: telemetry.TransportData{Event: "request"},
				Remote: netip.MustParseAddrPort("198.51.100.20:4000"), Local: netip.MustParseAddrPort("192.0.2.1:8088")}}
	}
	created := &telemetry.Event{Emitter: "e", Type: telemetry.TypeSession, Timestamp: 2, SessionID: 7,
		Body: telemetry.SessionBody{Name: "created", Transport: &telemetry.SessionTransport{Transport: "janus.transport.http", ID: "1"}}}
	mapAll(t, m, []*telemetry.Event{req("1"), created})
	if m.requests.Len() != 0 || m.transports.Len() != 0 {
		t.Fatalf("after the session's creation: %d requests, %d transports kept", m.requests.Len(), m.transports.Len())
	}
	if _, ok := m.sessions.Get(7); !ok {
		t.Fatal("the session did not learn its request's addresses")
	}
	for i := range 3 * maxRequests {
		mapAll(t, m, []*telemetry.Event{req(strconv.Itoa(i + 2))})
	}
	if n := m.requests.Len(); n != maxRequests {
		t.Fatalf("%d requests kept, want the last %d", n, maxRequests)
	}
}
