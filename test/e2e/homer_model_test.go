package e2e

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/argusrtc/argus/hep/homer"
	"github.com/argusrtc/argus/hep/homer/homermodel"
	"github.com/argusrtc/argus/telemetry"
)

// What a Homer user sees of Argus's HEP, through the Homer model
// (hep/homer/homermodel, the rules of hep-homer.md 5.1): every row kept by
// the transaction view, a QoS chart for each PeerConnection direction that
// carries media, MOS in range and only on audio, real addresses, and
// Janus's teardown order in each handle's timeline.

// homerTransaction flushes the bus, exports what it recorded to a Homer
// model, reports the model's problems with session sid, and returns that
// session's transaction.
func (b *hepBus) homerTransaction(t *testing.T, sid uint64) []homermodel.Row {
	t.Helper()
	if err := b.flush(t); err != nil {
		t.Fatal(err)
	}
	st := exportToHomer(t, b.rec.Events())
	cid := strconv.FormatUint(sid, 10)
	for _, p := range st.Problems(cid) {
		t.Error(p)
	}
	return st.Transaction(cid)
}

// exportToHomer sends the recorded events through a Homer sink configured
// as a user would (no server_addr: the listener each transport reports) to
// a TCP receiver, and stores what arrived in a Homer model. Every
// transaction in it, the node's (core startup and shutdown) included, must
// be free of problems; the core rows emitted before any client connected
// must carry the node's own address on both ends: the sink's connection as
// the receiver saw it.
func exportToHomer(t *testing.T, events []*telemetry.Event) *homermodel.Store {
	t.Helper()
	r := listenHEPTCP(t, "127.0.0.1:0")
	s, err := homer.NewSink(homer.SinkConfig{URL: "tcp://" + r.addr, NodeName: "argus-e2e", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Export(ctx, events); err != nil {
		t.Fatalf("Export: %v", err)
	}
	want := int(s.Stats().Packets)
	if err := r.waitFor("every packet", 10*time.Second, func(pkts []hepPacket, _ int) bool { return len(pkts) >= want }); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Error(err)
	}
	pkts, errs := r.packets()
	for _, err := range errs {
		t.Errorf("undecodable HEP packet: %v", err)
	}
	st := homermodel.NewStore()
	for _, p := range pkts {
		if !st.Add(*p.Packet) {
			t.Errorf("packet type %d cid %q would not be stored", p.ProtoType, p.CorrelationID)
		}
	}
	for _, sid := range st.SIDs() {
		for _, p := range st.Problems(sid) {
			t.Error(p)
		}
	}
	checkStartupAddress(t, r, st)
	return st
}

// checkStartupAddress: the core startup row (emitted before the listeners
// serve) names, on both ends, the address the HEP receiver saw the sink
// connect from.
func checkStartupAddress(t *testing.T, r *hepReceiver, st *homermodel.Store) {
	t.Helper()
	r.mu.Lock()
	var sink netip.AddrPort
	if len(r.conns) > 0 {
		sink = netip.MustParseAddrPort(r.conns[0].RemoteAddr().String())
	}
	r.mu.Unlock()
	found := false
	for _, sid := range st.SIDs() {
		for _, row := range st.Rows(sid) {
			var e struct {
				Type  int            `json:"type"`
				Event map[string]any `json:"event"`
			}
			if row.Table != homermodel.TableLog || json.Unmarshal(row.Packet.Payload, &e) != nil ||
				e.Type != int(telemetry.TypeCore) || e.Event["status"] != "started" {
				continue
			}
			found = true
			if row.Src() != sink || row.Dst() != sink {
				t.Errorf("startup row %v -> %v, want the node's address %v on both ends", row.Src(), row.Dst(), sink)
			}
		}
	}
	if !found {
		t.Error("no core startup row stored")
	}
}

// agentRows returns the "rtp" (type 34) rows of a transaction by handle id.
func agentRows(t *testing.T, rows []homermodel.Row) map[uint64][]homermodel.RTPRow {
	t.Helper()
	q, err := homermodel.QoSView(rows)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64][]homermodel.RTPRow{}
	for _, r := range q.RTP {
		var h struct {
			HandleID uint64 `json:"HANDLE_ID"`
		}
		if err := json.Unmarshal(r.Row.Packet.Payload, &h); err != nil {
			t.Fatal(err)
		}
		out[h.HandleID] = append(out[h.HandleID], r)
	}
	return out
}

// checkTeardownOrder: in the session's transaction, each handle's hangup
// comes before its final media report and its detached, nothing of the
// handle follows detached, and the session's destroyed is last.
func checkTeardownOrder(t *testing.T, name string, rows []homermodel.Row, handles ...uint64) {
	t.Helper()
	type logRow struct {
		Type     int            `json:"type"`
		Subtype  int            `json:"subtype"`
		HandleID uint64         `json:"handle_id"`
		Event    map[string]any `json:"event"`
	}
	var logs []logRow
	for _, r := range rows {
		if r.Table != homermodel.TableLog {
			continue
		}
		var l logRow
		if err := json.Unmarshal(r.Packet.Payload, &l); err != nil {
			t.Fatalf("%s: LOG row: %v", name, err)
		}
		logs = append(logs, l)
	}
	destroyed := -1
	for i, l := range logs {
		if l.Type == 1 && (l.Event["name"] == "destroyed" || l.Event["name"] == "timeout") {
			destroyed = i
		}
	}
	if destroyed != len(logs)-1 {
		t.Errorf("%s: session destroyed at LOG row %d of %d, want last", name, destroyed, len(logs))
	}
	for _, h := range handles {
		hangup, detached, lastReport := -1, -1, -1
		for i, l := range logs {
			if l.HandleID != h {
				continue
			}
			switch {
			case l.Type == 16 && l.Subtype == 6 && l.Event["connection"] == "hangup":
				hangup = i
			case l.Type == 2 && l.Event["name"] == "detached":
				detached = i
			case l.Type == 32 && l.Subtype == 3:
				lastReport = i
			}
			if detached >= 0 && i > detached {
				t.Errorf("%s: handle %d: LOG row %d (type %d) after detached (%d)", name, h, i, l.Type, detached)
			}
		}
		if hangup < 0 || detached < 0 || hangup > detached || lastReport < hangup {
			t.Errorf("%s: handle %d: hangup at %d, last media report at %d, detached at %d; want hangup < report < detached",
				name, h, hangup, lastReport, detached)
		}
	}
}

// Conditions of an idle loopback call. The MOS follows what the gateway
// measured: on a CPU-starved machine the loopback RTT and jitter grow (a
// second of RTT was seen) and the MOS truthfully drops. "A clean call
// reads above 4" is checked on the rows measured in these conditions, and
// each direction must have some.
const cleanJitterMs, cleanRTTms = 20, 100

// cleanAgent reports whether a type 34 row was measured in clean conditions.
func cleanAgent(a homermodel.RTPAgent) bool {
	return a.PacketLoss == 0 && a.Jitter <= cleanJitterMs && a.RTT <= cleanRTTms
}

// cleanPoint reports whether a charted type 5 row was measured in clean
// conditions (ia_jitter and dlsr are ms).
func cleanPoint(p homermodel.Point) bool {
	b := p.RTCP.ReportBlocks[0]
	return b.PacketsLost == 0 && b.IAJitter <= cleanJitterMs && b.DLSR <= cleanRTTms
}

// listener returns the host:port of a test server URL.
func listener(t *testing.T, raw string) netip.AddrPort {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := netip.ParseAddrPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestHomerViewEchoTest(t *testing.T) {
	tests := []struct {
		name, transport string
		dropEvery       uint16 // the client leaves out every n-th RTP packet
	}{
		{"clean http", "http", 0},
		{"clean ws", "ws", 0},
		{"10% loss", "ws", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hb := newHEPBus(t, nil)
			srv := startServer(t, serverOptions{emitter: hb.bus})
			var mid func(sid, hid uint64)
			if tt.dropEvery > 0 {
				// Let the loss show: a report with ≥ 10 audio packets lost.
				mid = func(_, hid uint64) {
					if _, err := hb.rec.WaitFor(func(e *telemetry.Event) bool {
						if e.HandleID != hid || e.Type != telemetry.TypeMedia || e.Subtype != telemetry.SubtypeMediaReport {
							return false
						}
						w := toWire(t, e)
						lost := u64(w.bodyField("lost"))
						return w.bodyField("media") == "audio" && lost >= 10
					}, 15*time.Second); err != nil {
						t.Fatalf("no media report with the seeded loss: %v", err)
					}
				}
			}
			run := runHEPEchoWith(t, srv, tt.transport, hb.rec, mid, tt.dropEvery)
			tx := hb.homerTransaction(t, run.sid)
			checkTeardownOrder(t, tt.name, tx, run.hid)

			// LOG rows: the client's transport address with its real port
			// → the listener that took the request.
			lst := listener(t, map[string]string{"http": srv.httpURL, "ws": srv.wsURL}[tt.transport])
			client := transportAddr(t, hb.rec.Events(), run.sid)
			for _, r := range tx {
				if r.Table == homermodel.TableLog && (r.Src() != client || r.Dst() != lst) {
					t.Errorf("LOG row %d: %v -> %v, want %v -> %v", r.ID, r.Src(), r.Dst(), client, lst)
				}
			}

			// QoS: a chart per direction (both carry media in an EchoTest).
			q, err := homermodel.QoSView(tx)
			if err != nil {
				t.Fatal(err)
			}
			var up, down []homermodel.Point
			for _, pts := range q.Streams {
				for _, p := range pts {
					switch {
					case p.Row.Src() == run.clientMedia && p.Row.Dst() == run.gatewayMedia:
						up = append(up, p)
					case p.Row.Src() == run.gatewayMedia && p.Row.Dst() == run.clientMedia:
						down = append(down, p)
					default:
						t.Errorf("type 5 row %v -> %v is not the ICE pair", p.Row.Src(), p.Row.Dst())
					}
				}
			}
			if len(up) == 0 || len(down) == 0 {
				t.Fatalf("homer-ui charts %d uplink and %d downlink points, want both directions", len(up), len(down))
			}
			audio, clean := 0, map[string]int{}
			for _, r := range agentRows(t, tx)[run.hid] {
				if r.Agent.MOS == nil {
					continue
				}
				audio++
				if tt.dropEvery == 0 && cleanAgent(r.Agent) {
					clean[r.Agent.Direction]++
					if *r.Agent.MOS <= 4.0 {
						t.Errorf("clean call: type 34 MOS %.2f, want > 4.0: %s", *r.Agent.MOS, r.Row.Packet.Payload)
					}
				}
			}
			if audio == 0 {
				t.Error("no audio type 34 row with a MOS")
			}
			if tt.dropEvery == 0 && (clean["client-to-gateway"] == 0 || clean["gateway-to-client"] == 0) {
				t.Errorf("clean call: %v audio type 34 rows measured in clean conditions per direction, want some each way", clean)
			}
			last := up[len(up)-1]
			switch tt.dropEvery {
			case 0:
				for dir, pts := range map[string][]homermodel.Point{"uplink": up, "downlink": down} {
					n := 0
					for _, p := range pts {
						if !cleanPoint(p) {
							continue
						}
						n++
						if p.MOS <= 4.0 {
							t.Errorf("clean call: homer-ui %s MOS %.2f (%+v), want > 4.0", dir, p.MOS, p.RTCP.ReportBlocks)
						}
					}
					if n == 0 {
						t.Errorf("clean call: no %s point measured in clean conditions", dir)
					}
				}
			default:
				// homer-ui counts the cumulative packets_lost, and by default
				// only in rows whose interval lost packets (UIMOS): some
				// uplink point reads clearly lower than a clean call's 4.4,
				// and below 4 with rtcp_mos_lost = packets_lost.
				lower := false
				for _, p := range up {
					if p.RTCP.ReportBlocks[0].PacketsLost > 0 && p.MOS < 4.3 && p.MOSCountingLost < 4.0 {
						lower = true
					}
				}
				if !lower {
					t.Errorf("10%% loss: no uplink homer-ui point with the loss shown and MOS < 4.3 (< 4.0 counting lost): %+v", up)
				}
			}
			if tt.dropEvery > 0 {
				lossy := false
				for _, r := range agentRows(t, tx)[run.hid] {
					if r.Agent.MOS != nil && r.Agent.Direction == "client-to-gateway" && *r.Agent.MOS < 4.0 {
						lossy = true
					}
				}
				if !lossy {
					t.Error("10% loss: no uplink audio type 34 row with MOS < 4.0")
				}
			}
			t.Logf("%s: %d rows, %d uplink / %d downlink points, last uplink homer-ui MOS %.2f",
				tt.name, len(tx), len(up), len(down), last.MOS)
		})
	}
}

// TestHomerViewVideoRoom: three participants each publish and subscribe to
// the two others. Each session's Homer view keeps every row, charts the
// publisher uplink (client → gateway) and the subscriber downlink (gateway
// → client) and no empty direction, and "room-1234" gathers every
// participant's QoS.
func TestHomerViewVideoRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*vrStepTimeout)
	defer cancel()
	srv, users := vrRoom(t, ctx)
	for _, u := range users {
		if err := u.subs[0].waitMedia(ctx, 50); err != nil {
			t.Fatalf("%s: %v", u.name, err)
		}
	}
	// A media report with counters on every handle: the publisher's with
	// packets received, the subscriber's with packets sent.
	for _, u := range users {
		for _, w := range []struct {
			hid uint64
			key string
		}{{u.pubHID, "packets-received"}, {u.subs[0].hid, "packets-sent"}} {
			if _, err := srv.events.WaitFor(func(e *telemetry.Event) bool {
				if e.HandleID != w.hid || e.Type != telemetry.TypeMedia || e.Subtype != telemetry.SubtypeMediaReport {
					return false
				}
				wv := toWire(t, e)
				return wv.bodyField("media") == "audio" && u64(wv.bodyField(w.key)) > 0
			}, 15*time.Second); err != nil {
				t.Fatalf("%s handle %d: no media report with %s: %v", u.name, w.hid, w.key, err)
			}
		}
	}
	for _, u := range users {
		u.close() // destroys the session: Argus tears the PeerConnections down
	}
	for _, u := range users {
		if _, err := srv.events.WaitFor(func(e *telemetry.Event) bool {
			return e.SessionID == u.sid && e.Type == telemetry.TypeSession && toWire(t, e).bodyField("name") == "destroyed"
		}, 10*time.Second); err != nil {
			t.Fatalf("%s: session destroyed: %v", u.name, err)
		}
	}
	st := exportToHomer(t, srv.events.Events())
	const room = "room-1234"
	for _, p := range st.Problems(room) {
		t.Error(p)
	}
	roomRows := agentRows(t, st.Transaction(room))
	for _, u := range users {
		cid := strconv.FormatUint(u.sid, 10)
		for _, p := range st.Problems(cid) {
			t.Errorf("%s: %s", u.name, p)
		}
		tx := st.Transaction(cid)
		checkTeardownOrder(t, u.name, tx, u.pubHID, u.subs[0].hid)
		q, err := homermodel.QoSView(tx)
		if err != nil {
			t.Fatal(err)
		}
		points := 0
		for _, pts := range q.Streams {
			points += len(pts)
		}
		rows := agentRows(t, tx)
		for _, w := range []struct {
			role string
			hid  uint64
			dir  string
		}{{"publisher", u.pubHID, "client-to-gateway"}, {"subscriber", u.subs[0].hid, "gateway-to-client"}} {
			if len(rows[w.hid]) == 0 || len(roomRows[w.hid]) == 0 {
				t.Errorf("%s %s: %d type 34 rows in the session view, %d in %s, want some in both",
					u.name, w.role, len(rows[w.hid]), len(roomRows[w.hid]), room)
			}
			clean := 0
			for _, r := range rows[w.hid] {
				if r.Agent.Direction != w.dir {
					t.Errorf("%s %s: a %s row; the PeerConnection carries media only %s", u.name, w.role, r.Agent.Direction, w.dir)
				}
				if r.Agent.MOS == nil || !cleanAgent(r.Agent) {
					continue
				}
				clean++
				if *r.Agent.MOS <= 4.0 {
					t.Errorf("%s %s: MOS %.2f on a clean loopback call, want > 4.0: %s", u.name, w.role, *r.Agent.MOS, r.Row.Packet.Payload)
				}
			}
			if clean == 0 {
				t.Errorf("%s %s: no audio type 34 row measured in clean conditions", u.name, w.role)
			}
		}
		if points < 2 {
			t.Errorf("%s: homer-ui charts %d type 5 points, want the uplink and the downlink", u.name, points)
		}
		t.Logf("%s: %d rows, %d charted type 5 points, %d/%d type 34 rows (pub/sub)",
			u.name, len(tx), points, len(rows[u.pubHID]), len(rows[u.subs[0].hid]))
	}
}
