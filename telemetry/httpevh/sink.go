// Package httpevh is a telemetry sink that POSTs events to an HTTP backend
// exactly as Janus's sample event handler (janus.eventhandler.sampleevh)
// does: grouping into arrays of up to 100, indented/plain/compact JSON,
// gzip, Basic auth, retries with a doubling backoff (janus-reference.md
// 4.5). Unlike Janus, a non-2xx status is a failure and is retried.
package httpevh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// HandlerName is the package name the Admin API's query_eventhandler uses.
const HandlerName = "janus.eventhandler.sampleevh"

// Sink is the HTTP event sink. Export is called by one bus goroutine.
type Sink struct {
	cfg      atomic.Pointer[Config] // replaced whole by Query "tweak"
	tweakMu  sync.Mutex             // serializes Query's read-modify-write
	client   *http.Client
	shutdown atomic.Bool
	spare    atomic.Pointer[postBody] // a body buffer for the next POST (takeBody)
	bodyHW   atomic.Int64             // recent POST bodies' high-water mark (putBody)

	posted, failed, retries, dropped atomic.Uint64
}

// Stats counts the sink's own work.
type Stats struct {
	Posted  uint64 // POSTs answered 2xx
	Failed  uint64 // POSTs that failed after all retries
	Retries uint64 // retransmissions
	Dropped uint64 // events in failed POSTs
}

// New validates cfg and returns a sink. Start cfg from DefaultConfig.
func New(cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sink{client: &http.Client{Transport: newTransport(make(copyBufs, 1))}}
	s.cfg.Store(&cfg)
	return s, nil
}

// Config returns the current config (after any tweak).
func (s *Sink) Config() Config { return *s.cfg.Load() }

// Stats returns the sink's counters.
func (s *Sink) Stats() Stats {
	return Stats{Posted: s.posted.Load(), Failed: s.failed.Load(), Retries: s.retries.Load(), Dropped: s.dropped.Load()}
}

// Export POSTs the events that pass the sink's mask: arrays of up to
// MaxGroup when grouping, else one POST per event. A POST that still fails
// after MaxRetransmissions retries is dropped and counted; Export then goes
// on with the rest and returns the failures joined. It stops when ctx is
// done.
func (s *Sink) Export(ctx context.Context, batch []*telemetry.Event) error {
	if s.shutdown.Load() {
		return nil
	}
	cfg := s.cfg.Load()
	evs := masked(batch, cfg.Events)
	group := 1
	if cfg.Grouping {
		group = MaxGroup
	}
	var errs []error
	for len(evs) > 0 {
		n := min(group, len(evs))
		chunk := evs[:n]
		evs = evs[n:]
		if err := s.send(ctx, cfg, chunk); err != nil {
			s.failed.Add(1)
			s.dropped.Add(uint64(len(chunk)))
			cfg.Logger.Warn("http event sink dropped a POST", "events", len(chunk), "error", err)
			errs = append(errs, err)
			if ctx.Err() != nil {
				s.dropped.Add(uint64(len(evs)))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// masked returns the events of batch that m has, in order: batch itself
// (read, never written) when it has them all, the usual case since the bus
// filters by a mask at least as wide, else a new slice.
func masked(batch []*telemetry.Event, m telemetry.Mask) []*telemetry.Event {
	for i, e := range batch {
		if m.Has(e.Type) {
			continue
		}
		evs := make([]*telemetry.Event, i, len(batch))
		copy(evs, batch[:i])
		for _, e := range batch[i+1:] {
			if m.Has(e.Type) {
				evs = append(evs, e)
			}
		}
		return evs
	}
	return batch
}

// send encodes one POST and delivers it with retries.
func (s *Sink) send(ctx context.Context, cfg *Config, chunk []*telemetry.Event) error {
	body := s.takeBody()
	defer s.putBody(body)
	b, err := encode(body.b[:0], chunk, cfg.Grouping, cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDropped, err)
	}
	body.b = b
	backoff := cfg.Backoff
	for attempt := 0; ; attempt++ {
		err = s.post(ctx, cfg, body)
		if err == nil {
			s.posted.Add(1)
			return nil
		}
		if attempt >= cfg.MaxRetransmissions || ctx.Err() != nil {
			return fmt.Errorf("%w (%d retries): %w", ErrDropped, attempt, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (%d retries): %w", ErrDropped, attempt, ctx.Err())
		}
		backoff *= 2
		s.retries.Add(1)
	}
}

// post makes one POST within cfg.Timeout; any non-2xx status is an error.
func (s *Sink) post(ctx context.Context, cfg *Config, body *postBody) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := newRequest(ctx, cfg.URL, body)
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if cfg.Compress {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if cfg.User != "" && cfg.Password != "" {
		req.SetBasicAuth(cfg.User, cfg.Password)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	drain(resp.Body, body.discard[:])
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: %s", ErrStatus, resp.Status)
	}
	return nil
}

// smallBody is the largest POST body sent from a copy in a
// *bytes.Reader: net/http writes such a body with the headers, in one
// write when both fit its 4 KiB write buffer, while it flushes the
// headers alone before a body of any other type (a postBody's reader).
// One more system call and TCP segment per POST would cost more than
// copying a small body.
const smallBody = 4 << 10

// newRequest makes the POST of body to url: a small body from a copy; a
// larger one from readers that tell when net/http is done with the
// buffer (postBody), with what NewRequest sets for a *bytes.Reader.
func newRequest(ctx context.Context, url string, body *postBody) (*http.Request, error) {
	if len(body.b) <= smallBody {
		return http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(bytes.Clone(body.b)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, err
	}
	req.Body, req.ContentLength = body.reader(), int64(len(body.b))
	req.GetBody = func() (io.ReadCloser, error) { return body.reader(), nil }
	return req, nil
}

// SharesJSON tells the bus that every event this sink takes is exported
// as its JSON (telemetry.JSONSink), so the bus has it encoded once for all
// such sinks.
func (s *Sink) SharesJSON() bool { return true }

// Shutdown stops the sink; later Exports are ignored. The bus drains its
// queue into Export before calling Shutdown, so nothing is held here.
func (s *Sink) Shutdown(context.Context) error {
	s.shutdown.Store(true)
	s.client.CloseIdleConnections()
	return nil
}

var (
	_ telemetry.Sink    = (*Sink)(nil)
	_ telemetry.Querier = (*Sink)(nil)
)
