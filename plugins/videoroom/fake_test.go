package videoroom

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// push is one Handle.Push call.
type push struct {
	tx   string
	data map[string]any
	jsep *core.JSEP
}

// fakeHandle is a core.Handle backed by a real webrtc.Peer.
type fakeHandle struct {
	id     core.HandleID
	eng    *webrtc.Engine
	pushes chan push
	mu     sync.Mutex
	peer   *webrtc.Peer
	sess   core.PluginSession
}

func (h *fakeHandle) SessionID() core.SessionID { return 1 }
func (h *fakeHandle) ID() core.HandleID         { return h.id }
func (h *fakeHandle) OpaqueID() string          { return "videoroom-test" }
func (h *fakeHandle) Logger() *slog.Logger      { return slog.New(slog.DiscardHandler) }
func (h *fakeHandle) Push(tx string, data any, jsep *core.JSEP) error {
	h.pushes <- push{tx, roundTrip(data), jsep}
	return nil
}

func (h *fakeHandle) Peer() (*webrtc.Peer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.peer == nil {
		p, err := h.eng.NewPeer(webrtc.PeerParams{SessionID: 1, HandleID: uint64(h.id), Observer: &fakeObserver{h}})
		if err != nil {
			return nil, err
		}
		h.peer = p
	}
	return h.peer, nil
}

func (h *fakeHandle) ClosePeer() {
	h.mu.Lock()
	p := h.peer
	h.mu.Unlock()
	if p != nil {
		p.Close("Close PC")
	}
}

// fakeObserver forwards webrtcup and hangup to the plugin session like the core.
type fakeObserver struct{ h *fakeHandle }

func (o *fakeObserver) WebRTCUp()                          { o.h.sess.SetupMedia() }
func (o *fakeObserver) Media(string, string, bool)         {}
func (o *fakeObserver) SlowLink(string, string, bool, int) {}
func (o *fakeObserver) Hangup(string) {
	o.h.mu.Lock()
	o.h.peer = nil
	o.h.mu.Unlock()
	o.h.sess.Hangup()
}

// hostEvent is one EmitEvent call.
type hostEvent struct {
	handle core.HandleID // 0 without handle
	data   map[string]any
}

// fakeHost records type 64 events.
type fakeHost struct {
	mu     sync.Mutex
	events []hostEvent
}

func (h *fakeHost) EmitEvent(hd core.Handle, data any) {
	var id core.HandleID
	if hd != nil {
		id = hd.ID()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, hostEvent{id, roundTrip(data)})
}
func (h *fakeHost) Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// find returns the recorded events whose "event" (or "videoroom") is name.
func (h *fakeHost) find(name string) []hostEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hostEvent
	for _, e := range h.events {
		if e.data["event"] == name || e.data["videoroom"] == name {
			out = append(out, e)
		}
	}
	return out
}

// roundTrip renders data as a client sees it (numbers become float64).
func roundTrip(data any) map[string]any {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// fixture is a plugin with a fake host and an engine for fake handles.
type fixture struct {
	t    *testing.T
	p    *Plugin
	host *fakeHost
	eng  *webrtc.Engine
	next core.HandleID
}

func newFixture(t *testing.T, cfg string) *fixture {
	t.Helper()
	eng, err := webrtc.NewEngine(webrtc.Config{Emitter: telemetry.Discard, IncludeLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, p: New(), host: &fakeHost{}, eng: eng, next: 10}
	var raw json.RawMessage
	if cfg != "" {
		raw = json.RawMessage(cfg)
	}
	if err := f.p.Init(context.Background(), f.host, raw); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.p.Destroy(context.Background())
		_ = eng.Close()
	})
	return f
}

// handle attaches a new fake handle.
func (f *fixture) handle() (*fakeHandle, core.PluginSession) {
	f.t.Helper()
	f.next++
	h := &fakeHandle{id: f.next, eng: f.eng, pushes: make(chan push, 64)}
	s, err := f.p.NewSession(h)
	if err != nil {
		f.t.Fatal(err)
	}
	h.sess = s
	f.t.Cleanup(func() {
		h.ClosePeer()
		s.Destroy()
	})
	return h, s
}

// sync sends a synchronous request and returns its data.
func (f *fixture) sync(s core.PluginSession, body string) map[string]any {
	f.t.Helper()
	res := s.HandleMessage(context.Background(), core.Message{Transaction: "s", Body: json.RawMessage(body)})
	if res.Ack || res.Error != "" {
		f.t.Fatalf("%s: result = %+v, want sync data", body, res)
	}
	return roundTrip(res.Data)
}

// async sends an async request and returns its event.
func (f *fixture) async(h *fakeHandle, s core.PluginSession, body string, jsep *core.JSEP) push {
	f.t.Helper()
	res := s.HandleMessage(context.Background(), core.Message{Transaction: "a", Body: json.RawMessage(body), JSEP: jsep})
	if !res.Ack {
		f.t.Fatalf("%s: result = %+v, want ack", body, res)
	}
	return nextPush(f.t, h, "a")
}

// nextPush waits for the next push with transaction tx ("" any).
func nextPush(t *testing.T, h *fakeHandle, tx string) push {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case p := <-h.pushes:
			if tx == "" || p.tx == tx {
				return p
			}
		case <-timeout:
			t.Fatalf("no push (tx %q)", tx)
			return push{}
		}
	}
}

// waitPush waits for a push satisfying pred.
func waitPush(t *testing.T, h *fakeHandle, what string, pred func(push) bool) push {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case p := <-h.pushes:
			if pred(p) {
				return p
			}
		case <-timeout:
			t.Fatalf("no push: %s", what)
			return push{}
		}
	}
}

// nopHandle is a core.Handle with no PeerConnection that drops pushes.
type nopHandle struct{}

func (nopHandle) SessionID() core.SessionID          { return 1 }
func (nopHandle) ID() core.HandleID                  { return 2 }
func (nopHandle) OpaqueID() string                   { return "" }
func (nopHandle) Logger() *slog.Logger               { return slog.New(slog.DiscardHandler) }
func (nopHandle) Push(string, any, *core.JSEP) error { return nil }
func (nopHandle) Peer() (*webrtc.Peer, error)        { return nil, errClosedPeer }
func (nopHandle) ClosePeer()                         {}
