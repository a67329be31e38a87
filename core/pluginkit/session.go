package pluginkit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core"
)

// DefaultQueueSize bounds the messages waiting for a session's worker: a
// janus.js client waits for each answer, so 32 is far above what a
// legitimate client queues, and a client far ahead of its answers gets an
// error instead of memory growth.
const DefaultQueueSize = 32

// Errors of Enqueue.
var (
	// ErrQueueFull is Janus's text for a full plugin message queue.
	ErrQueueFull = errors.New("too many pending messages")
	// ErrDestroyed: the session was destroyed (the handle is detaching).
	ErrDestroyed = errors.New("session destroyed")
)

// Handler is a plugin's logic for one session.
type Handler interface {
	// Process handles one queued message; calls are sequential, on the
	// session's worker, with the session's context.
	Process(ctx context.Context, m core.Message)
	// Teardown releases the plugin's state on Destroy, after the worker
	// ended and before the goroutine group is waited for.
	Teardown()
}

// Session is the kit's half of a plugin session: its handle, logger,
// context, request queue and goroutine group.
type Session struct {
	k       *Kit
	h       core.Handle
	log     *slog.Logger
	handler Handler

	ctx        context.Context //nolint:containedctx // the session's lifetime, cancelled by Destroy
	cancel     context.CancelFunc
	queue      chan core.Message
	workerDone chan struct{}

	destroyed atomic.Bool
	hangingUp atomic.Bool
	once      sync.Once
	goMu      sync.Mutex // orders Go's wg.Add before Destroy's wg.Wait
	closed    bool       // guarded by goMu: Go refuses
	wg        sync.WaitGroup
}

// Handle is the session's core handle.
func (s *Session) Handle() core.Handle { return s.h }

// Logger carries the handle's attributes and the plugin package.
func (s *Session) Logger() *slog.Logger { return s.log }

// Context is the session's context, cancelled when Destroy starts.
func (s *Session) Context() context.Context { return s.ctx }

// Destroyed reports whether Destroy was called.
func (s *Session) Destroyed() bool { return s.destroyed.Load() }

// BeginHangup marks a hangup in progress; false when one already is (the
// caller then does nothing: Janus's hangingup guard).
func (s *Session) BeginHangup() bool { return s.hangingUp.CompareAndSwap(false, true) }

// EndHangup clears the hangup mark (after a hangup, or at webrtcup).
func (s *Session) EndHangup() { s.hangingUp.Store(false) }

// State adds Janus's "hangingup" and "destroyed" (0 or 1) to an Admin
// handle_info plugin_specific object and returns it.
func (s *Session) State(q map[string]any) map[string]any {
	q["hangingup"] = flag(s.hangingUp.Load())
	q["destroyed"] = flag(s.destroyed.Load())
	return q
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Every runs f at each tick of period in a goroutine of the group until
// the session's context ends or stop or peerDone is closed (a media
// object and its PeerConnection ending; nil never closes); false when
// Destroy has started.
func (s *Session) Every(period time.Duration, stop, peerDone <-chan struct{}, f func(now time.Time)) bool {
	return s.Go(func(ctx context.Context) {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case <-peerDone:
				return
			case now := <-t.C:
				f(now)
			}
		}
	})
}

// Push sends an asynchronous event to the handle's client, logging (not
// returning) a failure: the client being gone is not the plugin's error.
func (s *Session) Push(transaction string, data any, jsep *core.JSEP) {
	if err := s.h.Push(transaction, data, jsep); err != nil {
		s.log.Debug(s.k.pkg+": push failed", "error", err)
	}
}

// Enqueue queues m for Process without blocking: ErrQueueFull when the
// queue is full, ErrDestroyed after Destroy.
func (s *Session) Enqueue(m core.Message) error {
	if s.destroyed.Load() {
		return ErrDestroyed
	}
	select {
	case s.queue <- m:
		return nil
	default:
		return ErrQueueFull
	}
}

// Go runs f in a goroutine of the session's group with the session's
// context; Destroy waits for it. It returns false, without running f,
// once Destroy has started.
func (s *Session) Go(f func(ctx context.Context)) bool {
	s.goMu.Lock()
	defer s.goMu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f(s.ctx)
	}()
	return true
}

// work runs Process for each queued message until the context ends.
func (s *Session) work() {
	defer close(s.workerDone)
	for {
		select {
		case <-s.ctx.Done():
			return
		case m := <-s.queue:
			s.handler.Process(s.ctx, m)
		}
	}
}

// Destroy ends the session (see the package doc for the order). It is
// idempotent and returns once every goroutine of the session ended.
func (s *Session) Destroy() {
	s.once.Do(func() {
		s.destroyed.Store(true)
		s.cancel()
		<-s.workerDone
		s.handler.Teardown()
		s.goMu.Lock()
		s.closed = true
		s.goMu.Unlock()
		s.wg.Wait()
		s.k.forget(s)
	})
}
