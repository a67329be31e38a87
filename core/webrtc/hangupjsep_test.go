package webrtc

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// hangupGate records events and holds the hangup event, and with it the
// Peer's run loop and the rest of Close, until release is closed.
type hangupGate struct {
	recorder
	once    sync.Once
	hung    chan struct{} // closed when the hangup event is emitted
	release chan struct{}
}

func (g *hangupGate) Emit(e *telemetry.Event) {
	g.recorder.Emit(e)
	if b, ok := e.Body.(telemetry.PeerConnectionBody); ok && b.Connection == "hangup" {
		g.once.Do(func() { close(g.hung) })
		<-g.release
	}
}

// logHook is a slog handler calling itself with each record's message
// (pion's Info logs are slog Debug, pionlog.go).
type logHook func(msg string)

func (h logHook) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelDebug }
func (h logHook) Handle(_ context.Context, r slog.Record) error {
	h(r.Message)
	return nil
}
func (h logHook) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logHook) WithGroup(string) slog.Handler      { return h }

// TestNoLocalJSEPAfterHangup: a plugin's renegotiation offer (a VideoRoom
// subscriber's update when a feed leaves) races the handle's detach. Close
// starts, and the hangup is emitted, while pion sets the offer; gathering
// is already complete (a renegotiation), so both cases of setLocal's select
// are ready. The offer must fail with ErrClosed and emit no local jsep
// event: Janus emits nothing for a PeerConnection after its hangup. The
// select picks at random, so each of the rounds fails with probability 1/2
// without the check after it.
func TestNoLocalJSEPAfterHangup(t *testing.T) {
	const rounds = 20
	for i := range rounds {
		offerWhileClosing(t, uint64(i+1))
	}
}

func offerWhileClosing(t *testing.T, handle uint64) {
	t.Helper()
	gate := &hangupGate{hung: make(chan struct{}), release: make(chan struct{})}
	var released sync.Once
	release := func() { released.Do(func() { close(gate.release) }) }
	defer release()

	var (
		armed, fired atomic.Bool
		target       atomic.Pointer[Peer]
	)
	// pion logs the signalling state change synchronously inside
	// SetLocalDescription, on the caller's goroutine: the seam to start
	// Close between CreateOffer's first check and the select.
	hook := logHook(func(msg string) {
		if msg != "signaling state changed to have-local-offer" || !armed.CompareAndSwap(true, false) {
			return
		}
		go target.Load().Close("Detach")
		select {
		case <-gate.hung:
			fired.Store(true)
		case <-time.After(10 * time.Second):
		}
	})
	eng, err := NewEngine(Config{ServerName: "test", Emitter: gate, Logger: slog.New(hook), IncludeLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	peer := newPeer(t, eng, PeerParams{SessionID: 7, HandleID: handle})
	target.Store(peer)
	if _, err := peer.PeerConnection().AddTransceiverFromKind(pion.RTPCodecTypeAudio,
		pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	negotiateFromPeer(t, peer, newClient(t))
	local := func() int {
		return len(gate.find(telemetry.TypeJSEP, 0, func(b map[string]any) bool { return b["owner"] == "local" }))
	}
	if n := local(); n != 1 {
		t.Fatalf("%d local jsep events after the first offer, want 1", n)
	}

	armed.Store(true)
	_, err = peer.CreateOffer(ctxT(t), false)
	if !fired.Load() {
		t.Fatal("Close did not start inside SetLocalDescription: the test's seam (pion's signalling log) is gone")
	}
	if !errors.Is(err, ErrClosed) {
		t.Errorf("handle %d: offer during Close returned %v, want ErrClosed", handle, err)
	}
	if n := local(); n != 1 {
		t.Errorf("handle %d: %d local jsep events, want only the first offer's (none after the hangup)", handle, n)
	}
	release()
	waitDone(t, peer, 10*time.Second, "peer not done after Close")
}
