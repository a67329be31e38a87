package history

import (
	"context"
	"sync/atomic"

	"github.com/argusrtc/argus/telemetry"
)

type subscriber struct {
	ch      chan *telemetry.Event
	dropped atomic.Uint64
	stop    func() bool // unregisters the context.AfterFunc
}

// Subscribe returns a live tail of every event exported from now on. The
// channel is closed when ctx is done or the store shuts down. A subscriber
// that does not keep up loses events (SubscriberBuffer), never slows the
// store.
func (s *Store) Subscribe(ctx context.Context) <-chan *telemetry.Event {
	sub := &subscriber{ch: make(chan *telemetry.Event, s.cfg.SubscriberBuffer)}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		close(sub.ch)
		return sub.ch
	}
	s.subs[sub] = struct{}{}
	sub.stop = context.AfterFunc(ctx, func() { s.unsubscribe(sub) })
	return sub.ch
}

func (s *Store) unsubscribe(sub *subscriber) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	if _, ok := s.subs[sub]; ok {
		delete(s.subs, sub)
		close(sub.ch)
	}
}

// publish offers the batch to every subscriber without blocking.
func (s *Store) publish(batch []*telemetry.Event) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for sub := range s.subs {
		for _, e := range batch {
			select {
			case sub.ch <- e:
			default:
				sub.dropped.Add(1)
			}
		}
	}
}

// CloseTails ends every live tail (closes subscriber channels, so SSE
// responses return) without stopping the store. http.Server.Shutdown waits
// for active handlers, so register it: srv.RegisterOnShutdown(store.CloseTails).
func (s *Store) CloseTails() { s.closeSubscribers() }

func (s *Store) closeSubscribers() {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for sub := range s.subs {
		sub.stop()
		delete(s.subs, sub)
		close(sub.ch)
	}
}

// Subscribers returns the number of live-tail subscribers.
func (s *Store) Subscribers() int {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	return len(s.subs)
}
