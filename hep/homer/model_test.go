package homer

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/argusrtc/argus/hep/homer/homermodel"
	"github.com/argusrtc/argus/telemetry"
)

// storeAll maps events and stores every packet in a Homer model.
func storeAll(t *testing.T, m *mapper, events []*telemetry.Event) *homermodel.Store {
	t.Helper()
	st := homermodel.NewStore()
	for _, ps := range mapAll(t, m, events) {
		for _, p := range ps {
			if !st.Add(p) {
				t.Fatalf("packet type %d not storable", p.ProtoType)
			}
		}
	}
	return st
}

// wsTransport is a type 128 "connected" event of Argus's WebSocket
// transport: no port in the JSON, the addresses in the hidden fields.
func wsTransport(id string, remote, local netip.AddrPort) *telemetry.Event {
	return &telemetry.Event{Emitter: testEmitter, Type: telemetry.TypeTransport, Timestamp: 1,
		Body: telemetry.TransportBody{Transport: "janus.transport.websockets", ID: id,
			Data:   map[string]any{"event": "connected", "admin_api": false, "ip": remote.Addr().String()},
			Remote: remote, Local: local}}
}

// wsSessionStart is a WebSocket connection 7 from remote to local, then
// session 3 created over it and handle 4 attached to the echotest.
func wsSessionStart(remote, local netip.AddrPort) []*telemetry.Event {
	return []*telemetry.Event{
		wsTransport("7", remote, local),
		{Emitter: testEmitter, Type: telemetry.TypeSession, Timestamp: 2, SessionID: 3,
			Body: map[string]any{"name": "created", "transport": map[string]any{"transport": "janus.transport.websockets", "id": "7"}}},
		{Emitter: testEmitter, Type: telemetry.TypeHandle, Timestamp: 3, SessionID: 3, HandleID: 4,
			Body: map[string]any{"name": "attached", "plugin": "janus.plugin.echotest"}},
	}
}

func TestHomerViewOfEchoTest(t *testing.T) {
	client := netip.MustParseAddrPort("192.0.2.10:54321")
	listener := netip.MustParseAddrPort("192.0.2.1:8188")
	m := newTestMapper(t, nil)
	events := append([]*telemetry.Event{wsTransport("4242", client, listener)}, echoTestScript(telemetry.Now())...)
	// Every event of one µs: the worst case for the transaction dedup.
	for _, e := range events {
		e.Timestamp = events[1].Timestamp
	}
	st := storeAll(t, m, events)
	sid := strconv.FormatUint(testSession, 10)
	for _, p := range st.Problems(sid) {
		t.Error(p)
	}
	tx := st.Transaction(sid)
	q, err := homermodel.QoSView(tx)
	if err != nil {
		t.Fatal(err)
	}
	// EchoTest: media both ways, two streams (homer-ui keys by IP pair).
	up := homermodel.StreamKey{Src: clientRTP.Addr(), Dst: gwMedia.Addr()}
	down := homermodel.StreamKey{Src: gwMedia.Addr(), Dst: clientRTP.Addr()}
	if len(q.Streams) != 2 || len(q.Streams[up]) != qosPackets/4 || len(q.Streams[down]) != qosPackets/4 {
		t.Fatalf("%d streams (%d and %d points), want %s and %s with %d points each",
			len(q.Streams), len(q.Streams[up]), len(q.Streams[down]), up, down, qosPackets/4)
	}
	for _, r := range tx {
		if r.Table != homermodel.TableLog {
			continue
		}
		if r.Src() != client || r.Dst() != listener {
			t.Errorf("LOG row %d: %v -> %v, want the client's transport %v -> the listener %v", r.ID, r.Src(), r.Dst(), client, listener)
		}
	}
}

func TestHomerUIMOSUnits(t *testing.T) {
	// A lossless loopback video and audio call (pion's jitter on loopback
	// video is tens of ms) must read above 4.0 in homer-ui, 10 % loss
	// clearly lower: by default (loss counted as packets_lost·100/256) and
	// with rtcp_mos_lost = packets_lost (the count).
	tests := []struct {
		name                 string
		r                    mediaReport
		min, max, maxCounted float64
	}{
		{"lossless video", mediaReport{Media: "video", PacketsReceived: 900, BytesReceived: 900_000, JitterLocal: 27}, 4.0, 4.7, 4.7},
		{"lossless audio", mediaReport{Media: "audio", PacketsReceived: 250, BytesReceived: 25_000, JitterLocal: 3, RTT: 1}, 4.0, 4.7, 4.7},
		{"10 % loss", mediaReport{Media: "audio", PacketsReceived: 225, BytesReceived: 22_500, Lost: 25, JitterLocal: 3}, 1, 3.6, 2.0},
	}
	for _, tt := range tests {
		rows, _, err := mediaQoS(&tt.r, nil, telemetry.Now(), 1, 2, "c")
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %d rows, %v", tt.name, len(rows), err)
		}
		st := homermodel.NewStore()
		p := newTestMapper(t, nil).base(&telemetry.Event{Timestamp: telemetry.Now()}, "c", 5, 17, clientRTP, gwMedia)
		p.Payload = rows[0].rtcp
		st.Add(p)
		q, err := homermodel.QoSView(st.Transaction("c"))
		if err != nil {
			t.Fatal(err)
		}
		pts := q.Streams[homermodel.StreamKey{Src: clientRTP.Addr(), Dst: gwMedia.Addr()}]
		if len(pts) != 1 || pts[0].MOS < tt.min || pts[0].MOS > tt.max || pts[0].MOSCountingLost > tt.maxCounted {
			t.Errorf("%s: homer-ui points %+v, want MOS in [%v, %v] (counting lost: at most %v)", tt.name, pts[0].RTCP, tt.min, tt.max, tt.maxCounted)
		}
	}
}

func TestHandleKeepsAddressesAfterSession(t *testing.T) {
	client := netip.MustParseAddrPort("[2001:db8::10]:40001")
	listener := netip.MustParseAddrPort("[2001:db8::1]:8188")
	m := newTestMapper(t, nil)
	events := append(wsSessionStart(client, listener), []*telemetry.Event{
		{Emitter: testEmitter, Type: telemetry.TypeSession, Timestamp: 4, SessionID: 3, Body: map[string]any{"name": "destroyed"}},
		// A straggler of the handle, after its session's state is gone.
		{Emitter: testEmitter, Type: telemetry.TypeHandle, Timestamp: 5, HandleID: 4,
			Body: map[string]any{"name": "detached", "plugin": "janus.plugin.echotest"}},
		// A server event: the listener on both ends, no placeholder.
		{Emitter: testEmitter, Type: telemetry.TypeCore, Subtype: 1, Timestamp: 6, Body: map[string]any{"status": "update"}},
	}...)
	out := mapAll(t, m, events)
	for i, ps := range out {
		src, dst := netip.AddrPortFrom(ps[0].SrcIP, ps[0].SrcPort), netip.AddrPortFrom(ps[0].DstIP, ps[0].DstPort)
		wantSrc := client
		if i == len(out)-1 {
			wantSrc = listener
		}
		if src != wantSrc || dst != listener {
			t.Errorf("event %d: %v -> %v, want %v -> %v", i, src, dst, wantSrc, listener)
		}
	}
}

func TestVerdictAfterTheEndKeepsAddresses(t *testing.T) {
	client := netip.MustParseAddrPort("192.0.2.10:40001")
	listener := netip.MustParseAddrPort("192.0.2.1:8188")
	m := newTestMapper(t, nil)
	verdict := func(ts int64, hid uint64, scope string) *telemetry.Event {
		return &telemetry.Event{Emitter: testEmitter, Type: telemetry.TypeExternal, Timestamp: ts, SessionID: 3, HandleID: hid,
			Body: map[string]any{"schema": "argus.verdict", "data": map[string]any{"scope": scope, "outcome": "ok"}}}
	}
	events := append(wsSessionStart(client, listener), []*telemetry.Event{
		{Emitter: testEmitter, Type: telemetry.TypeHandle, Timestamp: 4, SessionID: 3, HandleID: 4,
			Body: map[string]any{"name": "detached", "plugin": "janus.plugin.echotest"}},
		{Emitter: testEmitter, Type: telemetry.TypeSession, Timestamp: 5, SessionID: 3, Body: map[string]any{"name": "destroyed"}},
		// telemetry/verdict's events follow the ends they judge.
		verdict(6, 4, "peerconnection"),
		verdict(7, 0, "session"),
	}...)
	out := mapAll(t, m, events)
	for i, ps := range out[1:] {
		src, dst := netip.AddrPortFrom(ps[0].SrcIP, ps[0].SrcPort), netip.AddrPortFrom(ps[0].DstIP, ps[0].DstPort)
		if src != client || dst != listener || ps[0].CorrelationID != "3" {
			t.Errorf("event %d: %v -> %v (sid %s), want %v -> %v (sid 3)", i+1, src, dst, ps[0].CorrelationID, client, listener)
		}
	}
	if m.handles.state(4) != nil {
		t.Error("the verdict brought the detached handle's state back")
	}
}
