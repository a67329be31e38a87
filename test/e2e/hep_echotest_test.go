package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/hep/heptest"
	"github.com/argusrtc/argus/hep/homer"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// hepBus is an event bus with a recording sink (what was emitted) and
// named Homer sinks.
type hepBus struct {
	bus   *telemetry.Bus
	rec   *telemetrytest.Sink
	sinks map[string]*homer.Sink
}

// hepServerAddr is the gateway listener the sinks put as dst of signalling
// packets (SinkConfig.ServerAddr).
var hepServerAddr = netip.MustParseAddrPort("127.0.0.1:8088")

// newHEPBus builds a bus with a telemetrytest sink and one Homer sink per
// url (name → URL), all with mask all; the bus shuts down when the test ends
// (after the server, whose Cleanup is registered later and runs first).
func newHEPBus(t *testing.T, urls map[string]string) *hepBus {
	t.Helper()
	b := &hepBus{bus: telemetry.NewBus(), rec: telemetrytest.NewSink(), sinks: map[string]*homer.Sink{}}
	testkit.ShutdownAtEnd(t, "bus shutdown", 10*time.Second, b.bus.Shutdown)
	if err := b.bus.Attach("rec", b.rec, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	for name, u := range urls {
		s, err := homer.NewSink(homer.SinkConfig{
			URL: u, NodeName: "argus-e2e", ServerAddr: hepServerAddr, Logger: testLogger(),
			// Short backoff so a restarted receiver is found within the test.
			MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			DialTimeout: time.Second, WriteTimeout: time.Second,
		})
		if err != nil {
			t.Fatalf("homer.NewSink(%s): %v", u, err)
		}
		if err := b.bus.Attach(name, s, telemetry.MaskAll); err != nil {
			t.Fatal(err)
		}
		b.sinks[name] = s
	}
	return b
}

// flush exports everything emitted so far on every sink. Sink errors
// (packets a Homer sink dropped) are returned, not fatal.
func (b *hepBus) flush(t *testing.T) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := b.bus.ForceFlush(ctx)
	if ctx.Err() != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	return err
}

// sessionEvents returns the recorded events of session sid (handle-only
// events of handle hid included).
func (b *hepBus) sessionEvents(sid, hid uint64) []*telemetry.Event {
	var out []*telemetry.Event
	for _, e := range b.rec.Events() {
		if e.SessionID == sid || e.SessionID == 0 && hid != 0 && e.HandleID == hid {
			out = append(out, e)
		}
	}
	return out
}

// echoRun is a completed EchoTest.
type echoRun struct {
	transport string // "http" or "ws"
	sid, hid  uint64
	echoed    int64 // media bytes echoed back to the client
	// clientMedia and gatewayMedia are the ICE selected pair as the pion
	// client sees it (its local and remote candidates).
	clientMedia, gatewayMedia netip.AddrPort
}

// selectedPair returns the client's ICE selected pair: its own candidate
// and the gateway's.
func selectedPair(s *echoSession) (client, gateway netip.AddrPort, err error) {
	sctp := s.peer.pc.SCTP()
	if sctp == nil {
		return client, gateway, fmt.Errorf("no SCTP transport")
	}
	pair, err := sctp.Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return client, gateway, fmt.Errorf("no selected pair: %w", err)
	}
	l, errL := netip.ParseAddr(pair.Local.Address)
	r, errR := netip.ParseAddr(pair.Remote.Address)
	if errL != nil || errR != nil {
		return client, gateway, fmt.Errorf("selected pair %s: %w", pair, errors.Join(errL, errR))
	}
	return netip.AddrPortFrom(l.Unmap(), pair.Local.Port), netip.AddrPortFrom(r.Unmap(), pair.Remote.Port), nil
}

// runHEPEcho runs a whole EchoTest over transport tr: negotiate, media
// echoed back, a media report with counters in the recording sink, then
// midSession (nil: nothing), data echo, hangup, detach, destroy. It fails
// the test if any step (API reply, event, echo) does not complete.
func runHEPEcho(t *testing.T, srv *server, tr string, rec *telemetrytest.Sink, midSession func(sid, hid uint64)) echoRun {
	t.Helper()
	return runHEPEchoWith(t, srv, tr, rec, midSession, 0)
}

// runHEPEchoWith is runHEPEcho with the client leaving out every
// dropEvery-th RTP packet (0: none).
func runHEPEchoWith(t *testing.T, srv *server, tr string, rec *telemetrytest.Sink, midSession func(sid, hid uint64), dropEvery uint16) echoRun {
	t.Helper()
	c := srv.dial(t, tr)
	ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
	defer cancel()
	s, err := newEchoSession(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if err := s.negotiate(ctx); err != nil {
		t.Fatal(err)
	}
	s.peer.dropEvery = int(dropEvery) // before connect starts the sender
	if err := s.connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.peer.waitReceived(ctx, 50); err != nil {
		t.Fatalf("%v (%s)", err, s.describe())
	}
	clientMedia, gatewayMedia, err := selectedPair(s)
	if err != nil {
		t.Fatal(err)
	}
	// Wait for a media report whose counters show media both ways, so the
	// Homer sink has non-zero type 5 and type 34 counters to send.
	if _, err := rec.WaitFor(func(e *telemetry.Event) bool {
		return e.HandleID == s.hid && e.Type == telemetry.TypeMedia && e.Subtype == telemetry.SubtypeMediaReport &&
			reportHasCounters(e)
	}, 10*time.Second); err != nil {
		t.Fatalf("media report with counters: %v (%s)", err, s.describe())
	}
	if midSession != nil {
		midSession(s.sid, s.hid)
	}
	if err := s.dataEcho(ctx, "hello Homer over "+tr); err != nil {
		t.Fatal(err)
	}
	run := echoRun{transport: tr, sid: s.sid, hid: s.hid,
		echoed:      s.peer.recv["audio"].bytes.Load() + s.peer.recv["video"].bytes.Load(),
		clientMedia: clientMedia, gatewayMedia: gatewayMedia}
	s.end(ctx, t, rec)
	if run.echoed == 0 {
		t.Fatalf("no media echoed back (%s)", s.describe())
	}
	return run
}

// reportHasCounters reports whether a media report (one object or an array)
// has an audio or video medium with packets sent and received.
func reportHasCounters(e *telemetry.Event) bool {
	b, err := json.Marshal(e.Body)
	if err != nil {
		return false
	}
	var reports []map[string]any
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		_ = json.Unmarshal(b, &reports)
	} else {
		var r map[string]any
		if json.Unmarshal(b, &r) == nil {
			reports = append(reports, r)
		}
	}
	for _, r := range reports {
		ps, _ := r["packets-sent"].(float64)
		pr, _ := r["packets-received"].(float64)
		if r["media"] != "data" && ps > 0 && pr > 0 {
			return true
		}
	}
	return false
}

// transportAddr returns the client address the transport reported (type 128
// "ip"/"port") for the connection that created session sid (type 1
// "created" transport.id): README's src of the session's type 100 packets.
func transportAddr(t *testing.T, all []*telemetry.Event, sid uint64) netip.AddrPort {
	t.Helper()
	var connID string
	for _, e := range all {
		w := toWire(t, e)
		if e.SessionID == sid && e.Type == telemetry.TypeSession && w.bodyField("name") == "created" {
			connID, _ = w.bodyField("transport", "id").(string)
			break
		}
	}
	if connID == "" {
		t.Fatalf("no created event with a transport id for session %d", sid)
	}
	for _, e := range all {
		if e.Type != telemetry.TypeTransport {
			continue
		}
		w := toWire(t, e)
		if w.bodyField("id") != connID {
			continue
		}
		// Argus's transports give the address with its port beside the
		// JSON (WebSocket's JSON has no port).
		if tb, ok := e.Body.(telemetry.TransportBody); ok && tb.Remote.IsValid() {
			return tb.Remote
		}
		ip, _ := w.bodyField("data", "ip").(string)
		a, err := netip.ParseAddr(ip)
		if err != nil {
			continue
		}
		return netip.AddrPortFrom(a.Unmap(), uint16(u64(w.bodyField("data", "port"))))
	}
	t.Fatalf("no transport event with an ip for connection %s (session %d)", connID, sid)
	return netip.AddrPort{}
}

// canonicalJSON parses b (numbers exact) and re-renders it with sorted keys.
func canonicalJSON(b []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	return string(out), err
}

// checkHEPSession asserts what a receiver got for one EchoTest session:
// every recorded event of the session as one type 100 packet carrying the
// event's JSON under the decimal session id, with valid addresses; type 5
// and type 34 packets with non-zero counters. only, when > 0, restricts the
// packets to those of TCP connection number only.
func checkHEPSession(t *testing.T, name string, pkts []hepPacket, evs []*telemetry.Event, run echoRun, only int, all []*telemetry.Event) {
	t.Helper()
	cid := strconv.FormatUint(run.sid, 10)
	// HTTP and WebSocket both give the client's address with its real port
	// (WebSocket's "connected" JSON has only the ip, janus-reference.md
	// 1.7; the port travels beside it in TransportBody.Remote).
	client := transportAddr(t, all, run.sid)
	if !client.Addr().IsLoopback() || client.Port() == 0 {
		t.Errorf("%s: the %s transport reported client address %v, want 127.0.0.1 with a port", name, run.transport, client)
	}
	logs := map[string]int{} // canonical payload → count
	var n5, n34, n5ok, n34ok int
	for _, p := range pkts {
		if p.CorrelationID != cid || only > 0 && p.conn != only {
			continue
		}
		if p.NodeName != "argus-e2e" || p.CaptureID != homer.DefaultCaptureID {
			t.Errorf("%s: packet type %d node %q capture id %d, want argus-e2e/%d", name, p.ProtoType, p.NodeName, p.CaptureID, homer.DefaultCaptureID)
		}
		checkHEPAddrs(t, name, p)
		switch p.ProtoType {
		case hep.ProtoLog:
			c, err := canonicalJSON(p.Payload)
			if err != nil {
				t.Errorf("%s: type 100 payload is not JSON: %v: %.200q", name, err, p.Payload)
				continue
			}
			logs[c]++
			// README: client transport → gateway listener (server_addr).
			if src := netip.AddrPortFrom(p.SrcIP, p.SrcPort); p.Protocol != hep.ProtocolTCP || src != client ||
				p.DstIP != hepServerAddr.Addr() || p.DstPort != hepServerAddr.Port() {
				t.Errorf("%s: type 100 proto %d %v → %v:%d, want TCP %v → the configured server_addr %v",
					name, p.Protocol, src, p.DstIP, p.DstPort, client, hepServerAddr)
			}
		case hep.ProtoRTCP:
			n5++
			var r struct {
				Type              int `json:"type"`
				SenderInformation struct {
					Packets uint64 `json:"packets"`
					Octets  uint64 `json:"octets"`
				} `json:"sender_information"`
			}
			if err := json.Unmarshal(p.Payload, &r); err != nil {
				t.Errorf("%s: type 5 payload: %v: %.200q", name, err, p.Payload)
				continue
			}
			if r.Type == 200 && r.SenderInformation.Packets > 0 && r.SenderInformation.Octets > 0 {
				n5ok++
			}
			// README: the ICE pair, client → gateway (uplink) or gateway →
			// client (downlink).
			checkMediaPair(t, name, p, run)
		case hep.ProtoRTPAgent:
			n34++
			var r struct {
				CorrelationID string  `json:"CORRELATION_ID"`
				TotalPK       uint64  `json:"TOTAL_PK"`
				ExpectedPK    uint64  `json:"EXPECTED_PK"`
				MOS           float64 `json:"MOS"`
				Media         string  `json:"MEDIA"`
				HandleID      uint64  `json:"HANDLE_ID"`
			}
			if err := json.Unmarshal(p.Payload, &r); err != nil {
				t.Errorf("%s: type 34 payload: %v: %.200q", name, err, p.Payload)
				continue
			}
			if r.CorrelationID != cid || r.HandleID != run.hid || (r.Media != "audio" && r.Media != "video") {
				t.Errorf("%s: type 34 CORRELATION_ID %q HANDLE_ID %d MEDIA %q, want %s, %d, audio|video", name, r.CorrelationID, r.HandleID, r.Media, cid, run.hid)
			}
			// MOS only on audio rows (README).
			if r.TotalPK > 0 && r.ExpectedPK >= r.TotalPK && (r.MOS > 0) == (r.Media == "audio") {
				n34ok++
			}
			checkMediaPair(t, name, p, run)
		default:
			t.Errorf("%s: unexpected HEP type %d", name, p.ProtoType)
		}
	}
	missing := 0
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshal event: %v", err)
		}
		c, err := canonicalJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if logs[c] == 0 {
			missing++
			if missing <= 5 {
				t.Errorf("%s: no type 100 packet with correlation id %s for event %s", name, cid, b)
			}
			continue
		}
		logs[c]--
	}
	if missing > 0 {
		t.Errorf("%s: %d of the session's %d events arrived as no type 100 packet", name, missing, len(evs))
	}
	for c, n := range logs {
		if n > 0 {
			t.Errorf("%s: %d type 100 packets of session %s match no recorded event: %.300s", name, n, cid, c)
		}
	}
	t.Logf("%s: session %s: %d events, %d type 100 matched, %d type 5 (%d with counters), %d type 34 (%d with counters)",
		name, cid, len(evs), len(evs)-missing, n5, n5ok, n34, n34ok)
	if n5ok == 0 || n34ok == 0 {
		t.Errorf("%s: %d type 5 packets (%d with packets/octets > 0), %d type 34 (%d with TOTAL_PK > 0), want some of each",
			name, n5, n5ok, n34, n34ok)
	}
}

// checkHEPAddrs: both addresses are set, valid, of the packet's family.
func checkHEPAddrs(t *testing.T, name string, p hepPacket) {
	t.Helper()
	if !p.SrcIP.IsValid() || !p.DstIP.IsValid() || p.SrcIP.IsUnspecified() || p.DstIP.IsUnspecified() ||
		p.SrcIP.Is4() != p.DstIP.Is4() {
		t.Errorf("%s: type %d addresses %v → %v, want two valid addresses of one family", name, p.ProtoType, p.SrcIP, p.DstIP)
		return
	}
	if _, err := netip.ParseAddr(p.SrcIP.String()); err != nil {
		t.Errorf("%s: src %v does not parse: %v", name, p.SrcIP, err)
	}
	if want := map[bool]uint8{true: hep.FamilyIPv4, false: hep.FamilyIPv6}[p.SrcIP.Is4()]; p.Family != want {
		t.Errorf("%s: type %d family %d, want %d", name, p.ProtoType, p.Family, want)
	}
}

// checkMediaPorts: QoS packets carry the ICE selected pair over UDP, src
// and dst as README documents, compared with the pair the pion client chose.
func checkMediaPorts(t *testing.T, name string, p hepPacket, src, dst netip.AddrPort) {
	t.Helper()
	gotSrc, gotDst := netip.AddrPortFrom(p.SrcIP, p.SrcPort), netip.AddrPortFrom(p.DstIP, p.DstPort)
	if gotSrc != src || gotDst != dst || p.Protocol != hep.ProtocolUDP || src.Port() == 0 || dst.Port() == 0 {
		t.Errorf("%s: type %d %v → %v proto %d, want %v → %v over UDP (the ICE selected pair)",
			name, p.ProtoType, gotSrc, gotDst, p.Protocol, src, dst)
	}
}

// checkMediaPair: a QoS packet carries the ICE selected pair, either way.
func checkMediaPair(t *testing.T, name string, p hepPacket, run echoRun) {
	t.Helper()
	if p.SrcPort == run.clientMedia.Port() {
		checkMediaPorts(t, name, p, run.clientMedia, run.gatewayMedia)
	} else {
		checkMediaPorts(t, name, p, run.gatewayMedia, run.clientMedia)
	}
}

// checkQoSDirections: an EchoTest has media both ways, so its type 5 and
// type 34 rows come in both directions of the same pair.
func checkQoSDirections(t *testing.T, name string, pkts []hepPacket, cid string) {
	t.Helper()
	type ep struct {
		a netip.Addr
		p uint16
	}
	dirs := map[uint8]map[[2]ep]bool{hep.ProtoRTCP: {}, hep.ProtoRTPAgent: {}}
	for _, p := range pkts {
		if p.CorrelationID == cid && dirs[p.ProtoType] != nil {
			dirs[p.ProtoType][[2]ep{{p.SrcIP, p.SrcPort}, {p.DstIP, p.DstPort}}] = true
		}
	}
	for proto, d := range dirs {
		if len(d) != 2 {
			t.Errorf("%s: type %d rows in %d directions %v, want both directions of the pair", name, proto, len(d), d)
			continue
		}
		for k := range d {
			if !d[[2]ep{k[1], k[0]}] {
				t.Errorf("%s: type %d directions %v are not one pair reversed", name, proto, d)
			}
		}
	}
}

// TestHEPEchoTest runs a real EchoTest with the Homer sink sending to a UDP
// and to a TCP receiver, and checks every event of the session arrived as a
// type 100 packet with its JSON and the session's correlation id, and that
// the media reports arrived as type 5 and type 34 with non-zero counters.
func TestHEPEchoTest(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			udp := listenHEPUDP(t, "127.0.0.1:0")
			tcp := listenHEPTCP(t, "127.0.0.1:0")
			hb := newHEPBus(t, map[string]string{"hep-udp": "udp://" + udp.addr, "hep-tcp": "tcp://" + tcp.addr})
			srv := startServer(t, serverOptions{emitter: hb.bus})

			run := runHEPEcho(t, srv, tr, hb.rec, nil)
			if err := hb.flush(t); err != nil {
				t.Errorf("ForceFlush: %v", err)
			}
			evs := hb.sessionEvents(run.sid, run.hid)
			if len(evs) < 10 {
				t.Fatalf("only %d events recorded for session %d", len(evs), run.sid)
			}
			cid := strconv.FormatUint(run.sid, 10)
			for name, r := range map[string]*hepReceiver{"udp": udp, "tcp": tcp} {
				waitLogPackets(t, name, r, run.sid, len(evs))
				pkts, errs := r.packets()
				for _, err := range errs {
					t.Errorf("%s: undecodable HEP packet: %v", name, err)
				}
				checkHEPSession(t, name, pkts, evs, run, 0, hb.rec.Events())
				checkQoSDirections(t, name, pkts, cid)
			}
			for name, s := range hb.sinks {
				st := s.Stats()
				if st.Dropped != 0 || st.WriteErrors != 0 || st.EncodeErrors != 0 || st.Packets == 0 {
					t.Errorf("%s stats %+v, want packets and no drops or errors", name, st)
				}
			}
			if tcp.connCount() != 1 {
				t.Errorf("TCP receiver accepted %d connections, want 1", tcp.connCount())
			}
		})
	}
}

// TestHEPEchoTestReceiverDown: with nothing listening on the Homer sinks'
// UDP and TCP ports, an EchoTest still completes (every API reply, events,
// media and data echoed back); the sinks count what they could not deliver
// and the bus keeps delivering every event to the other sink.
func TestHEPEchoTestReceiverDown(t *testing.T) {
	udpAddr, tcpAddr := testkit.DeadAddr(t, "udp"), testkit.DeadAddr(t, "tcp")
	hb := newHEPBus(t, map[string]string{"hep-udp": "udp://" + udpAddr, "hep-tcp": "tcp://" + tcpAddr})
	srv := startServer(t, serverOptions{emitter: hb.bus})

	run := runHEPEcho(t, srv, "ws", hb.rec, nil)
	_ = hb.flush(t) // the sinks report their drops as errors
	if run.echoed == 0 {
		t.Fatal("no media echoed")
	}
	recorded := uint64(len(hb.rec.Events()))

	u := hb.sinks["hep-udp"].Stats()
	// A connected UDP socket on loopback learns of the closed port from
	// ICMP port unreachable and fails the next write with ECONNREFUSED, so
	// writes alternate between "sent" (lost) and failed. Observable: every
	// event was handed to the sink, every packet was either written or
	// dropped, and some writes failed and were counted.
	if u.Events != recorded || u.Packets+u.Dropped < u.Events || u.WriteErrors == 0 || u.Dropped == 0 {
		t.Errorf("udp sink stats %+v, want Events = %d recorded, Packets+Dropped >= Events, write errors and drops", u, recorded)
	}
	t.Logf("udp sink stats with no receiver: %+v", u)
	c := hb.sinks["hep-tcp"].Stats()
	if c.Events != recorded || c.Packets != 0 || c.Connects != 0 || c.DialErrors == 0 || c.Dropped < c.Events {
		t.Errorf("tcp sink stats %+v, want Events = %d, nothing sent, dial errors, every packet dropped", c, recorded)
	}
	for _, st := range hb.bus.Stats() {
		// Export errors are the sinks reporting drops; the bus itself must
		// not have dropped events from any queue (the sink never blocked it).
		if st.Dropped != 0 {
			t.Errorf("bus dropped %d events of sink %s from its queue", st.Dropped, st.Name)
		}
		if st.Name == "rec" && st.Exported != recorded {
			t.Errorf("rec sink exported %d, recorded %d", st.Exported, recorded)
		}
	}

	// The receivers come up on the same ports: the sinks find them and the
	// next EchoTest's events all arrive.
	tcp := listenHEPTCP(t, tcpAddr)
	udp := listenHEPUDP(t, udpAddr)
	// Wait past the sink's reconnect backoff (at most MaxBackoff = 200 ms)
	// by emitting probes until the TCP receiver has a connection.
	if err := waitReconnect(t, hb, tcp, 1); err != nil {
		t.Fatal(err)
	}
	run2 := runHEPEcho(t, srv, "http", hb.rec, nil)
	if err := hb.flush(t); err != nil {
		t.Errorf("ForceFlush after the receivers came back: %v", err)
	}
	evs := hb.sessionEvents(run2.sid, run2.hid)
	waitLogPackets(t, "udp-after-restart", udp, run2.sid, len(evs))
	waitLogPackets(t, "tcp-after-restart", tcp, run2.sid, len(evs))
	for name, r := range map[string]*hepReceiver{"udp-after-restart": udp, "tcp-after-restart": tcp} {
		pkts, errs := r.packets()
		for _, err := range errs {
			t.Errorf("%s: undecodable HEP packet: %v", name, err)
		}
		checkHEPSession(t, name, pkts, evs, run2, 0, hb.rec.Events())
	}
}

// waitLogPackets waits (bounded) until r has at least n type 100 packets of
// session sid: UDP datagrams may still be in the socket after a flush.
func waitLogPackets(t *testing.T, name string, r *hepReceiver, sid uint64, n int) {
	t.Helper()
	cid := strconv.FormatUint(sid, 10)
	if err := r.waitFor("session packets", 5*time.Second, func(pkts []hepPacket, _ int) bool {
		got := 0
		for _, p := range pkts {
			if p.CorrelationID == cid && p.ProtoType == hep.ProtoLog {
				got++
			}
		}
		return got >= n
	}); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// waitReconnect emits external events (type 4, which every sink maps to a
// type 100 packet) until the TCP receiver has accepted want connections,
// bounded by 10 s.
func waitReconnect(t *testing.T, hb *hepBus, r *hepReceiver, want int) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		hb.bus.Emit(&telemetry.Event{Emitter: "argus-e2e", Type: telemetry.TypeExternal, Timestamp: telemetry.Now(),
			Body: map[string]any{"schema": "e2e.probe", "data": map[string]any{"probe": i}}})
		_ = hb.flush(t)
		if err := r.waitFor("reconnect", 100*time.Millisecond, func(_ []hepPacket, conns int) bool { return conns >= want }); err == nil {
			return nil
		}
	}
	return fmt.Errorf("the Homer sink did not reconnect to %s within 10 s", r.addr)
}

// TestHEPEchoTestTCPPeerCloses: the TCP receiver closes the sink's
// connection in the middle of an EchoTest and restarts on the same port;
// the EchoTest completes, the sink reconnects, and a second EchoTest's
// events all arrive on the new connection.
func TestHEPEchoTestTCPPeerCloses(t *testing.T) {
	tcp := listenHEPTCP(t, "127.0.0.1:0")
	addr := tcp.addr
	hb := newHEPBus(t, map[string]string{"hep-tcp": "tcp://" + addr})
	srv := startServer(t, serverOptions{emitter: hb.bus})

	run1 := runHEPEcho(t, srv, "ws", hb.rec, func(sid, hid uint64) {
		if err := hb.flush(t); err != nil {
			t.Errorf("ForceFlush before the close: %v", err)
		}
		if tcp.connCount() != 1 {
			t.Fatalf("TCP receiver accepted %d connections before the close, want 1", tcp.connCount())
		}
		// The receiver goes away: listener and connection closed, then it
		// listens again on the same port while media still flows.
		tcp.closeListeners()
		tcp.closeConn(1)
		if err := tcp.listenTCP(addr); err != nil {
			t.Fatalf("listen again on %s: %v", addr, err)
		}
	})
	if run1.echoed == 0 {
		t.Fatal("first EchoTest echoed nothing")
	}
	if err := waitReconnect(t, hb, tcp, 2); err != nil {
		t.Fatal(err)
	}
	run2 := runHEPEcho(t, srv, "http", hb.rec, nil)
	if err := hb.flush(t); err != nil {
		t.Errorf("ForceFlush: %v", err)
	}
	conns := tcp.connCount()
	if conns < 2 {
		t.Fatalf("TCP receiver accepted %d connections, want a reconnect", conns)
	}
	evs := hb.sessionEvents(run2.sid, run2.hid)
	// The flush returns once the sink wrote; the receiver may still be
	// reading: wait (bounded) for the packets.
	waitLogPackets(t, "tcp-reconnected", tcp, run2.sid, len(evs))
	pkts, errs := tcp.packets()
	for _, err := range errs {
		t.Errorf("undecodable HEP packet: %v", err)
	}
	checkHEPSession(t, "tcp-reconnected", pkts, evs, run2, conns, hb.rec.Events())
	st := hb.sinks["hep-tcp"].Stats()
	if st.Connects < 2 {
		t.Errorf("sink stats %+v, want Connects >= 2", st)
	}
	t.Logf("sink stats after peer close: %+v", st)
}

// hepPacket is one HEP packet a test receiver decoded, with the index of
// the TCP connection it came on (0 for UDP).
type hepPacket struct {
	*hep.Packet
	conn int
}

// hepReceiver collects the HEP packets sent to a UDP socket or a TCP
// listener on 127.0.0.1, decoding each with hep.Decode.
type hepReceiver struct {
	t    *testing.T
	addr string // host:port

	mu      sync.Mutex
	pkts    []hepPacket
	errs    []error
	conns   []net.Conn // accepted TCP connections, in order
	changed chan struct{}

	closers []io.Closer
	closed  bool // close ran: connections accepted later are closed at once
	wg      sync.WaitGroup
}

func newHEPReceiver(t *testing.T) *hepReceiver {
	r := &hepReceiver{t: t, changed: make(chan struct{})}
	t.Cleanup(r.close)
	return r
}

// listenHEPUDP starts a UDP receiver on addr ("127.0.0.1:0": ephemeral).
func listenHEPUDP(t *testing.T, addr string) *hepReceiver {
	t.Helper()
	r := newHEPReceiver(t)
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatalf("listen udp %s: %v", addr, err)
	}
	r.addr = pc.LocalAddr().String()
	r.mu.Lock()
	r.closers = append(r.closers, pc)
	r.mu.Unlock()
	heptest.ServeUDP(t, pc, func(p *hep.Packet, err error) { r.add(p, 0, err) })
	return r
}

// listenHEPTCP starts a TCP receiver on addr ("127.0.0.1:0" for an
// ephemeral port).
func listenHEPTCP(t *testing.T, addr string) *hepReceiver {
	t.Helper()
	r := newHEPReceiver(t)
	if err := r.listenTCP(addr); err != nil {
		t.Fatalf("listen tcp %s: %v", addr, err)
	}
	return r
}

// listenTCP (re)starts the TCP listener on addr; packets keep accumulating.
func (r *hepReceiver) listenTCP(addr string) error {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.addr = ln.Addr().String()
	r.closers = append(r.closers, ln)
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			if r.closed {
				// close ran between Accept and here: nobody else closes c.
				r.mu.Unlock()
				_ = c.Close()
				return
			}
			r.conns = append(r.conns, c)
			r.closers = append(r.closers, c)
			idx := len(r.conns)
			r.notifyLocked()
			r.mu.Unlock()
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				r.readStream(c, idx)
			}()
		}
	}()
	return nil
}

// readStream records the packets of the idx-th accepted connection.
func (r *hepReceiver) readStream(c net.Conn, idx int) {
	err := heptest.ReadStream(c, func(p *hep.Packet, err error) { r.add(p, idx, err) })
	if err != nil {
		r.add(nil, idx, err)
	}
}

// closeListeners stops accepting (TCP) or receiving (UDP); accepted
// connections stay open.
func (r *hepReceiver) closeListeners() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.closers {
		switch c.(type) {
		case net.Listener, net.PacketConn:
			_ = c.Close()
		}
	}
}

// closeConn closes the i-th accepted connection (1-based).
func (r *hepReceiver) closeConn(i int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i >= 1 && i <= len(r.conns) {
		_ = r.conns[i-1].Close()
	}
}

func (r *hepReceiver) add(p *hep.Packet, conn int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs = append(r.errs, err)
	} else {
		r.pkts = append(r.pkts, hepPacket{Packet: p, conn: conn})
	}
	r.notifyLocked()
}

func (r *hepReceiver) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// packets returns the packets received so far and the decode errors.
func (r *hepReceiver) packets() ([]hepPacket, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hepPacket(nil), r.pkts...), append([]error(nil), r.errs...)
}

// connCount is the number of TCP connections accepted so far.
func (r *hepReceiver) connCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// waitFor waits until cond (called under no lock with a snapshot) holds.
func (r *hepReceiver) waitFor(what string, timeout time.Duration, cond func(pkts []hepPacket, conns int) bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		pkts, conns, ch := append([]hepPacket(nil), r.pkts...), len(r.conns), r.changed
		r.mu.Unlock()
		if cond(pkts, conns) {
			return nil
		}
		select {
		case <-ch:
		case <-timer.C:
			return errors.New("HEP receiver: timed out waiting for " + what)
		}
	}
}

func (r *hepReceiver) close() {
	r.mu.Lock()
	r.closed = true
	for _, c := range r.closers {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
