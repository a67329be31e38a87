// Package otel is the OpenTelemetry sink: it turns telemetry events into
// traces, one trace per Janus session, whose trace id is derived from the
// server id and session_id (TraceID) so logs, HEP records and metric
// exemplars can name it.
//
// Span tree: "session" (root) → "handle <plugin>" → short operation spans
// "attach", "jsep offer/answer", "ice", "dtls", "first media", "hangup"
// and, for VideoRoom, "join", "publish", "subscribe". A VideoRoom
// subscriber's handle span links to the handle span of every publisher it
// receives. Spans start and end at the events' timestamps. Media statistics
// never become span events.
//
// The sink uses the TracerProvider it is given and never sets the global one.
package otel

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/argusrtc/argus/internal/boundedmap"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

// instrumentation is the tracer name of the sink's spans.
const instrumentation = "github.com/argusrtc/argus/telemetry/otel"

// Sink is a telemetry.Sink that records spans. It keeps the open spans of
// live sessions, handles and VideoRoom feeds in bounded tables and forgets
// them when they end.
type Sink struct {
	tracer trace.Tracer
	tp     trace.TracerProvider
	cfg    config

	mu       sync.Mutex
	closed   bool
	sessions *boundedmap.Map[uint64, *sessionState]
	handles  *boundedmap.Map[uint64, *handleState]
	feeds    *boundedmap.Map[feedKey, feedRef]
	// endedHandles and endedSessions keep the span contexts of ended
	// handle and session spans until the session's verdict, so the
	// verdicts that follow their end join them (verdict.go).
	endedHandles  *boundedmap.Map[uint64, endedHandle]
	endedSessions *boundedmap.Map[uint64, endedSession]
}

// New creates a sink that records spans with tp (a no-op provider if nil).
// For the deterministic session trace ids, tp must use NewIDGenerator, as
// NewTracerProvider does.
func New(tp trace.TracerProvider, opts ...Option) *Sink {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	cfg := newConfig(opts)
	s := &Sink{
		tracer: tp.Tracer(instrumentation),
		tp:     tp,
		cfg:    cfg,
	}
	s.reset()
	return s
}

func (s *Sink) reset() {
	n := s.cfg.maxTracked
	s.sessions = boundedmap.New(n, func(_ uint64, st *sessionState) { s.endSession(st, time.Now(), "evicted") })
	s.handles = boundedmap.New(n, func(_ uint64, h *handleState) { s.endHandle(h, time.Now(), "evicted") })
	s.feeds = boundedmap.New[feedKey, feedRef](n, nil)
	s.endedHandles = boundedmap.New[uint64, endedHandle](n, nil)
	s.endedSessions = boundedmap.New[uint64, endedSession](n, nil)
}

// Export records the spans of a batch of events. It never fails.
func (s *Sink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	for _, e := range batch {
		if e != nil {
			s.event(e)
		}
	}
	return nil
}

// Shutdown ends every span still open (marked argus.incomplete) and flushes
// the provider if it has a ForceFlush(ctx) method; it does not shut the
// provider down, which belongs to the caller. Later Exports are ignored.
func (s *Sink) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	now := time.Now()
	for _, h := range s.handles.All() {
		s.endHandle(h, now, "shutdown")
	}
	for _, st := range s.sessions.All() {
		s.endSession(st, now, "shutdown")
	}
	s.reset()
	s.mu.Unlock()
	if f, ok := s.tp.(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}

// open reports how many sessions, handles and feeds the sink tracks.
func (s *Sink) open() (sessions, handles, feeds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions.Len(), s.handles.Len(), s.feeds.Len()
}

func (s *Sink) event(e *telemetry.Event) {
	switch b := e.Typed().(type) {
	case telemetry.SessionBody:
		s.session(e, b)
	case telemetry.HandleBody:
		s.handle(e, b)
	case telemetry.PluginBody:
		s.plugin(e, b)
	case verdict.Body:
		s.verdict(e, b.Data)
	case telemetry.JSEPBody, telemetry.ICEBody, telemetry.SelectedPairBody, telemetry.DTLSBody,
		telemetry.PeerConnectionBody, telemetry.MediaStateBody:
		if h := s.liveHandle(e); h != nil {
			s.handleEvent(h, e, b)
		}
	}
}

// handleEvent handles the events of a handle's PeerConnection.
func (s *Sink) handleEvent(h *handleState, e *telemetry.Event, body any) {
	switch b := body.(type) {
	case telemetry.JSEPBody:
		s.jsep(h, e, b)
	case telemetry.ICEBody:
		s.ice(h, e, b)
	case telemetry.SelectedPairBody:
		s.selectedPair(h, b)
	case telemetry.DTLSBody:
		s.dtls(h, e, b)
	case telemetry.PeerConnectionBody:
		s.peerConnection(h, e, b)
	case telemetry.MediaStateBody:
		s.mediaState(h, e, b)
	}
}

// liveHandle returns the state of e's handle, or nil: spans are only kept
// for handles whose "attached" event the sink saw.
func (s *Sink) liveHandle(e *telemetry.Event) *handleState {
	if e.HandleID == 0 {
		return nil
	}
	h, _ := s.handles.Get(e.HandleID)
	return h
}

func (s *Sink) serverID(e *telemetry.Event) string {
	if s.cfg.serverID != "" {
		return s.cfg.serverID
	}
	return e.Emitter
}

// at converts an event timestamp (µs since the epoch) to a span time.
func at(e *telemetry.Event) time.Time {
	if e.Timestamp == 0 {
		return time.Now()
	}
	return time.UnixMicro(e.Timestamp)
}

// instant records a zero-length operation span under parent; a non-empty
// failure marks it as an error.
func (s *Sink) instant(parent trace.Span, name string, t time.Time, attrs []attribute.KeyValue,
	failure string, links ...trace.Link,
) {
	ctx := trace.ContextWithSpan(context.Background(), parent)
	_, sp := s.tracer.Start(ctx, name, trace.WithTimestamp(t), trace.WithAttributes(attrs...),
		trace.WithLinks(links...))
	if failure != "" {
		sp.SetStatus(codes.Error, failure)
	}
	sp.End(trace.WithTimestamp(t))
}

// endWithError ends sp as failed.
func endWithError(sp trace.Span, t time.Time, msg string) {
	sp.SetStatus(codes.Error, msg)
	sp.End(trace.WithTimestamp(t))
}

var _ telemetry.Sink = (*Sink)(nil)
