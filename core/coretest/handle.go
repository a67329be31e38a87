package coretest

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
)

// PushBuffer is how many pushes a Handle keeps for its test to read; a
// push beyond it is dropped and counted (Handle.Dropped), never blocks the
// plugin.
const PushBuffer = 1024

// ErrNoEngine is returned by Handle.Peer when the Handle has no engine.
var ErrNoEngine = errors.New("coretest: handle without a webrtc engine")

// Push is one Handle.Push call.
type Push struct {
	Transaction string
	// Data is the pushed data as a JSON client decodes it (numbers as
	// float64); nil when it is not a JSON object.
	Data map[string]any
	JSEP *core.JSEP
}

// Handle is a core.Handle for plugin tests. It records pushes and, given
// a webrtc.Engine, has a real PeerConnection whose webrtcup and hangup
// reach the attached plugin session as the core forwards them.
type Handle struct {
	sid    core.SessionID
	id     core.HandleID
	opaque string
	eng    *webrtc.Engine
	pushes chan Push

	dropped atomic.Int64

	mu     sync.Mutex
	peer   *webrtc.Peer
	obs    *Observer // peer's
	sess   core.PluginSession
	closed bool // ClosePeer was called on peer
	// hanging is the Observer of a Peer that was forgotten and whose
	// session Hangup is still running.
	hanging *Observer
}

// NewHandle returns a handle of session 1 with the given id and opaque_id;
// eng may be nil for a handle whose Peer fails with ErrNoEngine.
func NewHandle(id core.HandleID, opaque string, eng *webrtc.Engine) *Handle {
	return &Handle{sid: 1, id: id, opaque: opaque, eng: eng, pushes: make(chan Push, PushBuffer)}
}

// Attach sets the plugin session the handle's Observer forwards to.
func (h *Handle) Attach(s core.PluginSession) {
	h.mu.Lock()
	h.sess = s
	h.mu.Unlock()
}

// SessionID is 1.
func (h *Handle) SessionID() core.SessionID { return h.sid }

// ID is the id given to NewHandle.
func (h *Handle) ID() core.HandleID { return h.id }

// OpaqueID is the opaque_id given to NewHandle.
func (h *Handle) OpaqueID() string { return h.opaque }

// Logger discards.
func (h *Handle) Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Push records the push without blocking (see PushBuffer).
func (h *Handle) Push(tx string, data any, jsep *core.JSEP) error {
	m, _ := ClientJSON(data)
	select {
	case h.pushes <- Push{Transaction: tx, Data: m, JSEP: jsep}:
	default:
		h.dropped.Add(1)
	}
	return nil
}

// Pushes is the channel of recorded pushes, oldest first.
func (h *Handle) Pushes() <-chan Push { return h.pushes }

// Dropped is the number of pushes dropped because nobody read them.
func (h *Handle) Dropped() int64 { return h.dropped.Load() }

// WaitPush returns the next push satisfying match, discarding the pushes
// before it; ErrTimeout after timeout.
func (h *Handle) WaitPush(timeout time.Duration, match func(Push) bool) (Push, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case p := <-h.pushes:
			if match == nil || match(p) {
				return p, nil
			}
		case <-deadline.C:
			return Push{}, ErrTimeout
		}
	}
}

// NextPush returns the next push with transaction tx ("" for any).
func (h *Handle) NextPush(tx string, timeout time.Duration) (Push, error) {
	p, err := h.WaitPush(timeout, func(p Push) bool { return tx == "" || p.Transaction == tx })
	if err != nil {
		return p, fmt.Errorf("push with transaction %q: %w", tx, err)
	}
	return p, nil
}

// ExpectTimeout bounds Expect and ExpectTx: generous, for a loaded
// machine running -race.
const ExpectTimeout = 10 * time.Second

// Expect is WaitPush for tests: the next push satisfying match, or t
// fails after ExpectTimeout; what names the push in the failure.
func (h *Handle) Expect(t testing.TB, what string, match func(Push) bool) Push {
	t.Helper()
	p, err := h.WaitPush(ExpectTimeout, match)
	if err != nil {
		t.Fatalf("push %s: %v", what, err)
	}
	return p
}

// ExpectTx is NextPush for tests: the next push with transaction tx (""
// for any), or t fails after ExpectTimeout.
func (h *Handle) ExpectTx(t testing.TB, tx string) Push {
	t.Helper()
	p, err := h.NextPush(tx, ExpectTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cleaningWait is how long Peer waits for a closing PeerConnection's
// Hangup, as the core does.
const cleaningWait = 3 * time.Second

// Peer returns the handle's PeerConnection, creating it if needed. As the
// core's, it waits (up to 3 s, then core.ErrStillCleaning) while the
// previous one is closing or its session Hangup is still running, until
// that Hangup returned.
func (h *Handle) Peer() (*webrtc.Peer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.eng == nil {
		return nil, ErrNoEngine
	}
	wait := h.hanging
	if h.peer != nil {
		p, o := h.peer, h.obs
		select {
		case <-p.Done():
		default:
			if !h.closed {
				return p, nil
			}
		}
		wait = o
	}
	if wait != nil {
		h.mu.Unlock()
		t := time.NewTimer(cleaningWait)
		select {
		case <-wait.hungUp:
			t.Stop()
		case <-t.C:
			h.mu.Lock()
			return nil, core.ErrStillCleaning
		}
		h.mu.Lock()
		if h.peer != nil { // another caller made one meanwhile
			return h.peer, nil
		}
	}
	o := &Observer{h: h, hungUp: make(chan struct{})}
	p, err := h.eng.NewPeer(webrtc.PeerParams{SessionID: uint64(h.sid), HandleID: uint64(h.id), Observer: o})
	if err != nil {
		return nil, err
	}
	h.peer, h.obs, h.closed = p, o, false
	return h.peer, nil
}

// ClosePeer closes the PeerConnection, if any, with reason "Close PC".
func (h *Handle) ClosePeer() {
	h.mu.Lock()
	p := h.peer
	if p != nil {
		h.closed = true
	}
	h.mu.Unlock()
	if p != nil {
		p.Close("Close PC")
	}
}

func (h *Handle) session() core.PluginSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sess
}

// Observer is the webrtc.Observer of a Handle's Peer: like the core, it
// calls SetupMedia on webrtcup and, after forgetting the Peer, Hangup.
type Observer struct {
	h      *Handle
	hungUp chan struct{} // closed once the session's Hangup returned
	once   sync.Once
}

// WebRTCUp calls the attached session's SetupMedia.
func (o *Observer) WebRTCUp() {
	if s := o.h.session(); s != nil {
		s.SetupMedia()
	}
}

// Media does nothing.
func (o *Observer) Media(string, string, bool) {}

// SlowLink does nothing.
func (o *Observer) SlowLink(string, string, bool, int) {}

// Hangup forgets the Peer and calls the attached session's Hangup; Peer
// waits for it to return before it makes a new one, as the core's does.
func (o *Observer) Hangup(string) {
	o.h.mu.Lock()
	if o.h.obs == o {
		o.h.peer, o.h.obs, o.h.hanging = nil, nil, o
	}
	s := o.h.sess
	o.h.mu.Unlock()
	defer func() {
		o.h.mu.Lock()
		if o.h.hanging == o {
			o.h.hanging = nil
		}
		o.h.mu.Unlock()
		o.once.Do(func() { close(o.hungUp) })
	}()
	if s != nil {
		s.Hangup()
	}
}

var (
	_ core.Handle     = (*Handle)(nil)
	_ webrtc.Observer = (*Observer)(nil)
)
