package homer

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// exportWithin runs Export with a ctx of d and fails if it has not returned
// 5 s after that deadline.
func exportWithin(t *testing.T, s *Sink, d time.Duration, events []*telemetry.Event) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Export(ctx, events) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d + 5*time.Second):
		t.Fatalf("Export blocked beyond its ctx (%v)", d)
		return nil
	}
}

func oneEvent(i int) []*telemetry.Event {
	return []*telemetry.Event{{Emitter: "x", Type: telemetry.TypeSession, Timestamp: telemetry.Now(),
		SessionID: uint64(i + 1), Body: map[string]any{"name": "created"}}}
}

func TestUDPReceiverDown(t *testing.T) {
	s := newTestSink(t, "udp://"+testkit.DeadAddr(t, "udp"), nil)
	// Loopback reports "port unreachable" to the connected socket, so a
	// later write fails: keep sending until a drop is counted.
	var err error
	for i := 0; i < 200 && s.Stats().Dropped == 0; i++ {
		err = exportWithin(t, s, 200*time.Millisecond, oneEvent(i))
	}
	st := s.Stats()
	if st.Dropped == 0 || st.WriteErrors == 0 {
		t.Fatalf("no drop counted with the receiver down: %+v", st)
	}
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("Export error %v, want ErrDropped", err)
	}
}

func TestTCPReceiverDown(t *testing.T) {
	s := newTestSink(t, "tcp://"+testkit.DeadAddr(t, "tcp"), nil)
	events := echoTestScript(telemetry.Now())
	err := exportWithin(t, s, 300*time.Millisecond, events)
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("Export error %v, want ErrDropped", err)
	}
	st := s.Stats()
	if st.Dropped != uint64(len(events)+qosPackets) || st.DialErrors == 0 || st.Packets != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTCPPeerClosesAndRestarts(t *testing.T) {
	r := newTCPReceiver(t, "127.0.0.1:0")
	addr := r.addr
	s := newTestSink(t, "tcp://"+addr, nil)
	export(t, s, oneEvent(0))
	r.collect(1)

	r.close() // the peer closes the connection and stops listening
	var err error
	for i := 1; i < 500 && s.Stats().Dropped == 0; i++ {
		err = exportWithin(t, s, 200*time.Millisecond, oneEvent(i))
	}
	if st := s.Stats(); st.Dropped == 0 {
		t.Fatalf("no drop counted after the peer closed: %+v", st)
	}
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("Export error %v, want ErrDropped", err)
	}

	r2 := newTCPReceiver(t, addr) // heplify-server restarts on the same port
	connects := s.Stats().Connects
	deadline := time.Now().Add(10 * time.Second)
	for i := 1000; s.Stats().Connects == connects; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("sink did not reconnect: %+v", s.Stats())
		}
		_ = exportWithin(t, s, 200*time.Millisecond, oneEvent(i))
		time.Sleep(5 * time.Millisecond) // pace the loop; backoff is ≤ 40 ms
	}
	export(t, s, oneEvent(99))
	pkts := r2.collect(1)
	for len(pkts) == 1 && pkts[0].CorrelationID != "100" { // skip what was sent while reconnecting
		pkts = r2.collect(1)
	}
	if st := s.Stats(); st.Reconnects < 1 || st.ConnectionsLost < 1 || st.Reconnects != st.Connects-1 {
		t.Fatalf("peer close and reconnect not counted: %+v", st)
	}
}

// TestTCPPeerNotReading: a receiver that accepts but never reads fills the
// socket buffers; Export must still return at its deadline and count drops.
func TestTCPPeerNotReading(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		for {
			select {
			case c := <-accepted:
				_ = c.Close()
			default:
				return
			}
		}
	})
	s := newTestSink(t, "tcp://"+ln.Addr().String(), nil)
	big := []*telemetry.Event{{Emitter: "x", Type: telemetry.TypeExternal, Timestamp: telemetry.Now(),
		Body: map[string]any{"schema": "s", "data": strings.Repeat("x", 60000)}}}
	batch := make([]*telemetry.Event, 0, 64)
	for range 64 {
		batch = append(batch, big...)
	}
	for i := 0; i < 100 && s.Stats().Dropped == 0; i++ {
		_ = exportWithin(t, s, 100*time.Millisecond, batch)
	}
	if st := s.Stats(); st.Dropped == 0 || st.WriteTimeouts != 0 {
		t.Fatalf("want drops at Export's deadline, not counted as write timeouts: %+v", st)
	}

	// With a write timeout shorter than Export's deadline, a stalled write
	// is a write timeout: the connection is given up (counted lost) and
	// the packet retried once on a fresh one.
	s = newTestSink(t, "tcp://"+ln.Addr().String(), func(c *SinkConfig) { c.WriteTimeout = 50 * time.Millisecond })
	for i := 0; i < 100 && s.Stats().WriteTimeouts == 0; i++ {
		_ = exportWithin(t, s, 2*time.Second, batch)
	}
	if st := s.Stats(); st.WriteTimeouts == 0 || st.WriteErrors < st.WriteTimeouts || st.ConnectionsLost < st.WriteTimeouts ||
		st.Reconnects == 0 {
		t.Fatalf("write timeouts not counted: %+v", st)
	}
}

func TestShutdownIgnoresLaterCalls(t *testing.T) {
	r := newUDPReceiver(t)
	s := newTestSink(t, "udp://"+r.addr, nil)
	export(t, s, oneEvent(0))
	ctx := context.Background()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Export(ctx, oneEvent(1)); err != nil {
		t.Fatalf("Export after Shutdown: %v", err)
	}
	if st := s.Stats(); st.Events != 1 || st.Packets != 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
