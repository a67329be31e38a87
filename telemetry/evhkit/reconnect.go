package evhkit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Default reconnect backoff: the first retry after half a second, doubling
// up to 30 s (Janus's wsevh also backs off exponentially).
const (
	DefaultBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultDialTimeout = 5 * time.Second
)

// Conn is a connection to a broker or server.
type Conn interface {
	Close() error
}

// Reconnector keeps one connection, dialling on demand: after a failed dial
// or a dropped connection it refuses (ErrBackoff) until the backoff has
// passed, doubling it on each failure up to Max and resetting it after a
// successful dial. Safe for concurrent use.
type Reconnector[C Conn] struct {
	dial        func(ctx context.Context) (C, error)
	min, max    time.Duration
	dialTimeout time.Duration

	mu      sync.Mutex
	conn    C
	up      bool
	closed  bool
	next    time.Time     // no dial before this
	backoff time.Duration // the wait after the next failure

	failures, connects atomic.Uint64
}

// NewReconnector returns a Reconnector; zero durations take the defaults.
func NewReconnector[C Conn](dial func(ctx context.Context) (C, error), lo, hi, dialTimeout time.Duration) *Reconnector[C] {
	if lo <= 0 {
		lo = DefaultBackoff
	}
	if hi < lo {
		hi = max(DefaultMaxBackoff, lo)
	}
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	return &Reconnector[C]{dial: dial, min: lo, max: hi, dialTimeout: dialTimeout, backoff: lo}
}

// Get returns the connection, dialling if none is up and the backoff has
// passed. The dial is bounded by the dial timeout and ctx.
func (r *Reconnector[C]) Get(ctx context.Context) (C, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var zero C
	if r.closed {
		return zero, ErrClosed
	}
	if r.up {
		return r.conn, nil
	}
	if wait := time.Until(r.next); wait > 0 {
		return zero, fmt.Errorf("%w (retry in %v)", ErrBackoff, wait.Round(time.Millisecond))
	}
	dctx, cancel := context.WithTimeout(ctx, r.dialTimeout)
	defer cancel()
	c, err := r.dial(dctx)
	if err != nil {
		r.failures.Add(1)
		r.next = time.Now().Add(r.backoff)
		r.backoff = min(r.backoff*2, r.max)
		return zero, fmt.Errorf("connect: %w", err)
	}
	r.connects.Add(1)
	r.conn, r.up, r.backoff = c, true, r.min
	return c, nil
}

// Drop closes c after a failed publish and starts the backoff; a c that is
// no longer current is ignored.
func (r *Reconnector[C]) Drop(c C) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.up || any(r.conn) != any(c) {
		return
	}
	r.up = false
	var zero C
	r.conn = zero
	r.next = time.Now().Add(r.backoff)
	r.backoff = min(r.backoff*2, r.max)
	_ = c.Close()
}

// Close closes the connection; later Gets fail with ErrClosed.
func (r *Reconnector[C]) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if !r.up {
		return nil
	}
	r.up = false
	return r.conn.Close()
}

// Failures counts failed dials.
func (r *Reconnector[C]) Failures() uint64 { return r.failures.Load() }

// Connects counts successful dials.
func (r *Reconnector[C]) Connects() uint64 { return r.connects.Load() }
