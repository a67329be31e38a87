package homer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/telemetry"
)

// Sink exports telemetry events to Homer as HEP v3 (see the package doc for
// the mapping). It implements telemetry.Sink.
type Sink struct {
	mu     sync.Mutex // serialises Export and Shutdown
	cfg    SinkConfig
	w      *writer
	m      *mapper
	stats  counters
	closed atomic.Bool

	pkts []hep.Packet // reused per event
	out  outBatch     // encoded packets not yet written
}

// NewSink validates cfg, applies defaults and returns a sink. It does not
// connect: the first Export does, so a heplify-server that starts later is
// found (TCP/TLS reconnect with backoff).
func NewSink(cfg SinkConfig) (*Sink, error) {
	network, addr, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sink{cfg: cfg, out: outBatch{buf: make([]byte, 0, 16<<10), ends: make([]int, 0, maxBatchPackets)}}
	s.w = newWriter(network, addr, &s.cfg, &s.stats)
	s.m = newMapper(&s.cfg)
	s.m.reuseQoS = true // Export encodes each event's packets before mapping the next
	return s, nil
}

// Export maps and sends batch. It returns within ctx: packets that cannot be
// written (receiver down, connection lost, reconnect not yet due, ctx done)
// are dropped and counted in Stats, and the error wraps ErrDropped. Events
// that cannot be marshalled are counted in Stats.EncodeErrors and skipped.
// Calls after Shutdown are ignored.
func (s *Sink) Export(ctx context.Context, batch []*telemetry.Event) error {
	if s.closed.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil
	}
	var dropped, encodeErrs int
	var lastErr error
	for _, e := range batch {
		if e == nil {
			continue
		}
		s.stats.events.Add(1)
		// Connect before mapping: rows of no client carry the connection's
		// local address until a listener is known (mapper.nodeAddr). When
		// this fails, the packets fail too.
		if ctx.Err() == nil {
			_ = s.w.ensure(ctx)
		}
		s.m.self = s.w.localAddr()
		var err error
		s.pkts, err = s.m.packets(e, s.pkts[:0])
		if err != nil {
			encodeErrs++
			s.stats.encodeErrors.Add(1)
			s.cfg.Logger.Warn("HEP mapping failed", "session_id", e.SessionID, "handle_id", e.HandleID, "err", err)
		}
		for i := range s.pkts {
			if s.out.full() {
				if n, err := s.flush(ctx); n > 0 {
					dropped += n
					lastErr = err
				}
			}
			if err := s.out.add(&s.pkts[i]); err != nil {
				s.stats.encodeErrors.Add(1)
				s.stats.dropped.Add(1)
				dropped++
				lastErr = err
			}
		}
	}
	if n, err := s.flush(ctx); n > 0 {
		dropped += n
		lastErr = err
	}
	s.stats.truncated.Store(s.m.truncated)
	s.stats.handles.Store(uint64(s.m.handles.Len()))
	if dropped > 0 {
		return fmt.Errorf("%w: %d packets: %w", ErrDropped, dropped, lastErr)
	}
	return nil
}

// flush writes the batched packets within ctx and empties the batch. It
// returns how many were dropped and why.
func (s *Sink) flush(ctx context.Context) (int, error) {
	if s.out.len() == 0 {
		return 0, nil
	}
	defer s.out.reset()
	if err := ctx.Err(); err != nil {
		n := s.out.len()
		s.stats.dropped.Add(uint64(n))
		return n, err
	}
	return s.w.writeBatch(ctx, &s.out)
}

// SharesJSON tells the bus that every event this sink takes is exported
// as its JSON (telemetry.JSONSink), so the bus has it encoded once for all
// such sinks.
func (s *Sink) SharesJSON() bool { return true }

// Shutdown closes the connection. The sink holds no queue (Export writes
// its batch before it returns), so there is nothing to flush; it waits for a running
// Export within ctx. Later calls are no-ops.
func (s *Sink) Shutdown(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	done := make(chan struct{})
	go func() {
		s.mu.Lock()
		s.w.shutdown()
		s.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("homer: shutdown: %w", ctx.Err())
	}
}

// Stats returns a snapshot of the counters; safe to call concurrently.
func (s *Sink) Stats() Stats { return s.stats.snapshot() }

var _ telemetry.Sink = (*Sink)(nil)
