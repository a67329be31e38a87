package msgclient

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

// sink records what a Client sends; block, when set, holds every Send.
type sink struct {
	mu    sync.Mutex
	outs  []Out
	block chan struct{}
	fail  bool
}

func (s *sink) send(ctx context.Context, o Out) error {
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.fail {
		return errors.New("broker away")
	}
	s.mu.Lock()
	s.outs = append(s.outs, o)
	s.mu.Unlock()
	return nil
}

func (s *sink) wait(t *testing.T, n int) []Out {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		out := append([]Out(nil), s.outs...)
		s.mu.Unlock()
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d messages, want %d", len(out), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHandleRepliesWithCorrelation(t *testing.T) {
	gw := fakegw.New()
	s := &sink{}
	c := New(t.Context(), Config{Gateway: gw, Info: core.TransportInfo{ConnID: 9}, Send: s.send})
	c.Handle([]byte(`{"janus":"create","transaction":"t1"}`), "corr-1")
	c.Handle([]byte(`{"janus":"create",`), "corr-2")
	c.Handle([]byte("  "), "")
	c.Handle([]byte(`{"janus":"create","transaction":"`+strings.Repeat("x", DefaultMaxMessage)+`"}`), "big")
	out := s.wait(t, 4)
	if out[0].Reply != "corr-1" || !strings.Contains(string(out[0].Msg), `"transaction":"t1"`) {
		t.Errorf("create: %+v", out[0])
	}
	if out[1].Reply != "corr-2" || !strings.Contains(string(out[1].Msg), `"code":454`) ||
		!strings.Contains(string(out[1].Msg), "JSON error: on line 1") {
		t.Errorf("invalid JSON: %s", out[1].Msg)
	}
	if !strings.Contains(string(out[2].Msg), "Invalid Janus API request - JSON error: on line 1: unexpected end of JSON input") {
		t.Errorf("empty: %s", out[2].Msg)
	}
	if out[3].Reply != "big" || !strings.Contains(string(out[3].Msg), "Request payload too large") {
		t.Errorf("too large: %s", out[3].Msg)
	}
	c.Close()
	select {
	case gone := <-gw.Gone():
		if gone.Info().ConnID != 9 {
			t.Fatalf("gone %v", gone.Info())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("TransportGone not called")
	}
	c.Close() // idempotent
}

func TestQueueFullDropsAndCallsOnFull(t *testing.T) {
	s := &sink{block: make(chan struct{})}
	var full atomic.Int32
	var total atomic.Uint64 // a transport's count over its clients
	c := New(t.Context(), Config{Gateway: fakegw.New(), Queue: 2, Send: s.send, OnFull: func() { full.Add(1) }, Drops: &total})
	defer c.Close()
	for range 10 { // the writer holds one, the queue two: at least 7 dropped
		c.Push(1, []byte(`{"janus":"event"}`))
	}
	if c.Dropped() < 7 || full.Load() < 7 || total.Load() != c.Dropped() {
		t.Fatalf("dropped %d, OnFull %d, shared count %d", c.Dropped(), full.Load(), total.Load())
	}
	close(s.block)
	s.wait(t, 2)
}

func TestSendFailureIsCounted(t *testing.T) {
	s := &sink{fail: true}
	c := New(t.Context(), Config{Gateway: fakegw.New(), Send: s.send})
	defer c.Close()
	c.Push(1, []byte(`{}`))
	deadline := time.Now().Add(10 * time.Second)
	for c.Dropped() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("send failure not counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMessagesRunConcurrentlyWithinBound(t *testing.T) {
	gw := fakegw.New()
	release := gw.BlockMessages()
	s := &sink{}
	c := New(t.Context(), Config{Gateway: gw, MaxInFlight: 2, Send: s.send})
	defer c.Close()
	c.Handle([]byte(`{"janus":"message","transaction":"m1","session_id":1,"handle_id":2}`), "")
	c.Handle([]byte(`{"janus":"message","transaction":"m2","session_id":1,"handle_id":2}`), "")
	done := make(chan struct{})
	go func() {
		c.Handle([]byte(`{"janus":"message","transaction":"m3","session_id":1,"handle_id":2}`), "")
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a third message ran past MaxInFlight 2")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	<-done
	s.wait(t, 3)
}

// TestInvalidJSONAsJanus: a request that is not JSON is answered as Janus
// 1.1.2's message transports answer it (test/janusref): 454 "Invalid
// Janus API request - ..." on the Janus API, 456 "Missing mandatory
// element (transaction)" on the Admin API (the core finds no
// transaction); an empty one too, as Janus answers one on RabbitMQ and on
// a SOCK_DGRAM socket (observed with Janus 1.1.2).
func TestInvalidJSONAsJanus(t *testing.T) {
	for _, tc := range []struct {
		admin      bool
		body, want string
	}{
		{false, `{"janus":`, `{"janus":"error","error":{"code":454,"reason":"Invalid Janus API request - JSON error: on line 1: unexpected end of JSON input"}}`},
		{true, `{"janus":`, `{"janus":"error","error":{"code":456,"reason":"Missing mandatory element (transaction)"}}`},
		{true, "", `{"janus":"error","error":{"code":456,"reason":"Missing mandatory element (transaction)"}}`},
		{true, " ", `{"janus":"error","error":{"code":456,"reason":"Missing mandatory element (transaction)"}}`},
		{false, "", `{"janus":"error","error":{"code":454,"reason":"Invalid Janus API request - JSON error: on line 1: unexpected end of JSON input"}}`},
	} {
		s := &sink{}
		c := New(t.Context(), Config{Gateway: fakegw.New(), Admin: tc.admin, Send: s.send})
		c.Handle([]byte(tc.body), "r")
		if got := string(s.wait(t, 1)[0].Msg); got != tc.want {
			t.Errorf("admin %v, %q: got %s, want %s", tc.admin, tc.body, got, tc.want)
		}
		c.Close()
	}
}

// TestLayout: messages leave in the configured layout, Janus's "json"
// setting (its default, indented, is 3 spaces); compact or unset sends
// the core's JSON unchanged.
func TestLayout(t *testing.T) {
	const in = `{"janus":"event","session_id":1,"plugindata":{"data":{"a":[1,2]}}}`
	for _, tc := range []struct {
		layout evhkit.Format
		want   string
	}{
		{"", in},
		{evhkit.Compact, in},
		{evhkit.Plain, `{"janus": "event", "session_id": 1, "plugindata": {"data": {"a": [1, 2]}}}`},
		{evhkit.Indented, "{\n   \"janus\": \"event\",\n   \"session_id\": 1,\n   \"plugindata\": {\n      \"data\": {\n         \"a\": [\n            1,\n            2\n         ]\n      }\n   }\n}"},
	} {
		s := &sink{}
		c := New(t.Context(), Config{Gateway: fakegw.New(), Layout: tc.layout, Send: s.send})
		c.Push(1, []byte(in))
		if got := string(s.wait(t, 1)[0].Msg); got != tc.want {
			t.Errorf("layout %q: got\n%s\nwant\n%s", tc.layout, got, tc.want)
		}
		c.Close()
	}
}

// countingHandler counts the log records at Warn and records their
// "dropped" attribute.
type countingHandler struct {
	mu      sync.Mutex
	dropped []uint64
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingHandler) WithGroup(string) slog.Handler            { return h }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var n uint64
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "dropped" {
			n = a.Value.Uint64()
		}
		return true
	})
	h.dropped = append(h.dropped, n)
	return nil
}

func (h *countingHandler) lines() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]uint64(nil), h.dropped...)
}

// TestQueueFullLogsAtMostEveryFewSeconds: a client that does not read makes
// every push a drop; each is counted, but the log gets one line per
// fullLogEvery with the number dropped since the previous line.
func TestQueueFullLogsAtMostEveryFewSeconds(t *testing.T) {
	s := &sink{block: make(chan struct{})}
	h := &countingHandler{}
	c := New(t.Context(), Config{Gateway: fakegw.New(), Queue: 1, Send: s.send, Logger: slog.New(h)})
	defer c.Close()
	var mu sync.Mutex
	clock := time.Unix(1000, 0)
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }

	for range 1000 {
		c.Push(1, []byte(`{"janus":"event"}`))
	}
	first := c.Dropped()
	if first < 998 {
		t.Fatalf("dropped %d of 1000 with a queue of 1", first)
	}
	if got := h.lines(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("log lines after %d drops: %v, want one line for the first drop", first, got)
	}
	advance(fullLogEvery - time.Millisecond)
	for range 100 {
		c.Push(1, []byte(`{"janus":"event"}`))
	}
	if got := h.lines(); len(got) != 1 {
		t.Fatalf("log lines within %v: %v, want 1", fullLogEvery, got)
	}
	advance(time.Millisecond)
	c.Push(1, []byte(`{"janus":"event"}`))
	got := h.lines()
	if len(got) != 2 || got[1] != c.Dropped()-1 {
		t.Fatalf("log lines after %v: %v, want a second line counting %d drops", fullLogEvery, got, c.Dropped()-1)
	}
	close(s.block)
}
