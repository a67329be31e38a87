package telemetry

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Bus fans events out to sinks. Each sink has its own mask, bounded queue
// and goroutine (DESIGN.md principle 2); Emit never blocks and takes no
// lock, because the sinks sit behind an atomic pointer to an immutable
// slice that Attach replaces copy-on-write.
type Bus struct {
	cfg     busConfig
	runners atomic.Pointer[[]*runner] // what Emit feeds; after Shutdown each counts what it is fed as dropped
	all     atomic.Pointer[[]*runner] // every attached sink, for Stats and lookups

	mu       sync.Mutex // serializes Attach and Shutdown
	shutdown atomic.Bool
	// inflight counts Emits in progress. Emit raises it before it reads
	// shutdown, and Shutdown sets shutdown before it waits for inflight to
	// reach 0, so without a lock every event is either queued before the
	// sinks drain or counted as dropped.
	inflight atomic.Int64
	once     sync.Once
	err      error

	// afterDerivedDrain, when set (by tests), runs in Shutdown between the
	// deriving sinks' drain and the shutdown flag.
	afterDerivedDrain func()
}

var _ Emitter = (*Bus)(nil)

// NewBus returns a bus with no sinks.
func NewBus(opts ...BusOption) *Bus {
	b := &Bus{cfg: newBusConfig(opts)}
	b.runners.Store(&[]*runner{})
	b.all.Store(&[]*runner{})
	return b
}

// Emit queues e for every sink whose mask has e.Type. When one or more of
// them is a JSONSink, it attaches e's shared JSON encoding (Event.JSON),
// the one allocation Emit makes. It never blocks: a
// sink whose queue is full, or over its byte budget (WithQueueBytes),
// drops e and counts the drop. e must not be
// modified afterwards. An Emit racing Shutdown either queues e before the
// sink drains or counts it as dropped, and so does every Emit after
// Shutdown: no event is lost uncounted.
func (b *Bus) Emit(e *Event) {
	if e == nil {
		return
	}
	b.inflight.Add(1)
	closed := b.shutdown.Load()
	rs := *b.runners.Load()
	var size int64
	if !closed {
		size = int64(e.queueBytes())
		// Before any sink sees e: a sink may copy *e, which must not race
		// with this write.
		for _, r := range rs {
			if r.json && r.mask.Load()&uint32(e.Type) != 0 {
				e.shareJSON()
				break
			}
		}
	}
	for _, r := range rs {
		if r.mask.Load()&uint32(e.Type) == 0 {
			continue
		}
		if closed {
			r.dropped.Add(1)
		} else {
			r.enqueue(e, size)
		}
	}
	b.inflight.Add(-1)
}

// Attach adds a sink under a unique name (the "sink" label of its metrics)
// and starts its goroutine. m selects the event types it receives.
func (b *Bus) Attach(name string, s Sink, m Mask, opts ...QueueOption) error {
	if name == "" || s == nil {
		return fmt.Errorf("attach %q: %w", name, ErrInvalidSink)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shutdown.Load() {
		return fmt.Errorf("attach %q: %w", name, ErrShutdown)
	}
	old := *b.runners.Load()
	for _, r := range old {
		if r.name == name {
			return fmt.Errorf("attach %q: %w", name, ErrDuplicateSink)
		}
	}
	r := newRunner(name, s, m, newQueueConfig(opts), b.cfg.logger, b.cfg.observer)
	if js, ok := s.(JSONSink); ok {
		r.json = js.SharesJSON()
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.run(ctx)
	next := make([]*runner, len(old), len(old)+1)
	copy(next, old)
	next = append(next, r)
	b.runners.Store(&next)
	b.all.Store(&next)
	return nil
}

// Sink returns the sink attached under name.
func (b *Bus) Sink(name string) (Sink, bool) {
	for _, r := range *b.all.Load() {
		if r.name == name {
			return r.sink, true
		}
	}
	return nil, false
}

// Wants reports whether some sink's mask takes events of type t, so that
// an emitter can skip building an event nobody takes (a media report's
// body). It is a hint: a mask may change right after.
func (b *Bus) Wants(t Type) bool {
	for _, r := range *b.runners.Load() {
		if r.mask.Load()&uint32(t) != 0 {
			return true
		}
	}
	return false
}

// SetMask changes the mask of the sink attached under name, e.g. on an
// Admin query_eventhandler "tweak". Events already queued are kept.
func (b *Bus) SetMask(name string, m Mask) error {
	for _, r := range *b.runners.Load() {
		if r.name == name {
			r.mask.Store(uint32(m))
			return nil
		}
	}
	return fmt.Errorf("set mask %q: %w", name, ErrUnknownSink)
}

// Stats returns a snapshot of every sink's queue and counters, in Attach
// order; after Shutdown it still reports the final counts.
func (b *Bus) Stats() []SinkStats {
	rs := *b.all.Load()
	out := make([]SinkStats, len(rs))
	for i, r := range rs {
		out[i] = r.stats()
	}
	return out
}

// ForceFlush exports everything queued before the call, on every sink,
// and waits for it within ctx. It sends a marker through each queue, so
// events emitted earlier are exported first. It returns the sinks' errors
// from exporting what was pending when the marker arrived, joined.
func (b *Bus) ForceFlush(ctx context.Context) error {
	if b.shutdown.Load() {
		return ErrShutdown
	}
	rs := *b.runners.Load()
	waits := make([]chan error, 0, len(rs))
	for _, r := range rs {
		ch := make(chan error, 1)
		select {
		case r.queue <- item{flush: ch}:
			waits = append(waits, ch)
		case <-r.done:
			return ErrShutdown
		case <-ctx.Done():
			return fmt.Errorf("flush %q: %w", r.name, ctx.Err())
		}
	}
	var errs []error
	for i, ch := range waits {
		select {
		case err := <-ch:
			if err != nil {
				errs = append(errs, fmt.Errorf("flush %q: %w", rs[i].name, err))
			}
		case <-rs[i].done: // shut down before it reached the marker
			errs = append(errs, fmt.Errorf("flush %q: %w", rs[i].name, ErrShutdown))
		case <-ctx.Done():
			return fmt.Errorf("flush %q: %w", rs[i].name, ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops accepting events, drains every queue into its sink, then
// calls each sink's Shutdown, all within ctx. Past the deadline it cancels
// the exports still running, counts what is left as dropped and returns an
// error wrapping ctx.Err(). Only the first call does the work; later calls
// return its result.
func (b *Bus) Shutdown(ctx context.Context) error {
	b.once.Do(func() { b.err = b.doShutdown(ctx) })
	return b.err
}

func (b *Bus) doShutdown(ctx context.Context) error {
	var errs []error
	stopped := map[*runner]bool{}
	stuck := map[*runner]bool{}
	drain := func(rs []*runner) {
		for _, r := range rs {
			if !stopped[r] {
				close(r.stop)
				stopped[r] = true
			}
		}
		for _, r := range rs {
			if stuck[r] {
				continue
			}
			select {
			case <-r.done:
			case <-ctx.Done():
				r.cancel()
				stuck[r] = true
				errs = append(errs, fmt.Errorf("drain %q: %w", r.name, ctx.Err()))
			}
		}
	}

	// Sinks that derive events (WithDerivedEvents) drain first, while the
	// bus still accepts what they emit from what they drain. What is
	// emitted for them after their drain is counted as dropped (sweep).
	var derived []*runner
	for _, r := range *b.runners.Load() {
		if r.cfg.derives {
			derived = append(derived, r)
		}
	}
	drain(derived)
	if b.afterDerivedDrain != nil {
		b.afterDerivedDrain()
	}

	b.mu.Lock()
	b.shutdown.Store(true)
	rs := *b.runners.Load()
	b.mu.Unlock()

	// Emit never blocks, so the Emits that saw shutdown unset finish at
	// once; only then may the sinks drain.
	for b.inflight.Load() != 0 && ctx.Err() == nil {
		runtime.Gosched()
	}
	drain(rs)
	for _, r := range rs {
		r.cancel()
		if stuck[r] {
			// Export is still returning from its cancelled context; the sink
			// must not see Shutdown concurrently, so it gets it afterwards.
			go r.lateShutdown() //nolint:contextcheck // ctx has expired: the late Shutdown gets its own deadline
			continue
		}
		// A deriving sink drained before the shutdown flag: what was
		// emitted after its drain and before the flag sits in its queue,
		// now for good (the Emits that saw the flag unset are over).
		r.sweep()
		if err := r.sink.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown %q: %w", r.name, err))
		}
	}
	return errors.Join(errs...)
}
