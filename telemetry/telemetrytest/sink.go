// Package telemetrytest ships test doubles for the telemetry package: an
// in-memory Sink and a recording Emitter, both safe for concurrent use.
package telemetrytest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// ErrTimeout is returned by WaitFor when no event matched in time.
var ErrTimeout = errors.New("telemetrytest: timed out waiting for event")

// recorder keeps events and wakes waiters; shared by Sink and Emitter.
type recorder struct {
	mu      sync.Mutex
	events  []*telemetry.Event
	changed chan struct{} // closed and replaced on every append
}

func (r *recorder) add(evs ...*telemetry.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, evs...)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// Events returns a snapshot of the events recorded so far, in order.
func (r *recorder) Events() []*telemetry.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Reset forgets every recorded event.
func (r *recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// WaitFor waits until some recorded event satisfies pred (events recorded
// before the call count) and returns it, or ErrTimeout.
func (r *recorder) WaitFor(pred func(*telemetry.Event) bool, timeout time.Duration) (*telemetry.Event, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	seen := 0
	for {
		r.mu.Lock()
		for ; seen < len(r.events); seen++ {
			if pred(r.events[seen]) {
				e := r.events[seen]
				r.mu.Unlock()
				return e, nil
			}
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return nil, ErrTimeout
		}
	}
}

// Sink is an in-memory telemetry.Sink.
type Sink struct {
	recorder
	mu       sync.Mutex
	shutdown bool
	err      error
}

// NewSink returns an empty in-memory sink.
func NewSink() *Sink { return &Sink{} }

// Export records the batch; after Shutdown it is ignored. It returns the
// error set by SetError.
func (s *Sink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.mu.Lock()
	down, err := s.shutdown, s.err
	s.mu.Unlock()
	if down {
		return nil
	}
	s.add(batch...)
	return err
}

// Shutdown marks the sink as shut down.
func (s *Sink) Shutdown(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	return nil
}

// IsShutdown reports whether Shutdown was called.
func (s *Sink) IsShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

// SetError makes later Exports return err (after recording the batch).
func (s *Sink) SetError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Emitter is a telemetry.Emitter that records every event synchronously.
type Emitter struct{ recorder }

// NewEmitter returns an empty recording emitter.
func NewEmitter() *Emitter { return &Emitter{} }

// Emit records e (nil is ignored).
func (e *Emitter) Emit(ev *telemetry.Event) {
	if ev != nil {
		e.add(ev)
	}
}

// Type returns a predicate for WaitFor matching events of type t.
func Type(t telemetry.Type) func(*telemetry.Event) bool {
	return func(e *telemetry.Event) bool { return e.Type == t }
}

var (
	_ telemetry.Sink    = (*Sink)(nil)
	_ telemetry.Emitter = (*Emitter)(nil)
)

// OptionList lists the -sink-opt keys the sink registered as name
// documents, as "key=default" in order, space-separated (for a test that
// pins them); "" when no sink is described under name.
func OptionList(name string) string {
	spec, _ := telemetry.SinkSpecOf(name)
	keys := make([]string, 0, len(spec.Options))
	for _, o := range spec.Options {
		keys = append(keys, o.Key+"="+o.Default)
	}
	return strings.Join(keys, " ")
}
