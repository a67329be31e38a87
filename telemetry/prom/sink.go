// Package prom is the Prometheus sink: it turns telemetry events into
// argus_* metrics with node-level labels only (plugin, media, direction,
// state, reason, type; never session or handle ids), serves them with
// OpenMetrics exemplars carrying trace ids, and provides scrape-time
// collectors for live counts and event pipeline health.
//
// Nothing here registers on the global Prometheus registry: callers pass
// their own Registerer and Gatherer.
package prom

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/internal/boundedmap"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

// Sink is a telemetry.Sink that updates Prometheus metrics. Counters come
// from session, handle, webrtc and plugin events; media counters from the
// deltas of media reports (which carry cumulative values per handle and
// mid); histograms from connection funnel latencies and report gauges.
type Sink struct {
	m   *metrics
	cfg config

	mu     telemetry.Serial
	funnel *boundedmap.Map[uint64, funnelState]                   // handle → pending ICE/DTLS starts
	media  *boundedmap.Map[uint64, map[streamKey]*streamCounters] // handle → last report counters
	// exemplarAt is when each histogram series' buckets last got an
	// exemplar (observe).
	exemplarAt map[prometheus.Observer]bucketTimes
}

// New creates the sink and registers its metrics on reg.
func New(reg prometheus.Registerer, opts ...Option) (*Sink, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	cfg := newConfig(opts)
	s := &Sink{
		m:      newMetrics(),
		cfg:    cfg,
		funnel: boundedmap.New[uint64, funnelState](cfg.maxTracked, nil),
		media:  boundedmap.New[uint64, map[streamKey]*streamCounters](cfg.maxTracked, nil),

		exemplarAt: make(map[prometheus.Observer]bucketTimes),
	}
	s.m.zero(cfg.plugins)
	if err := reg.Register(s); err != nil {
		return nil, fmt.Errorf("prom: register sink metrics: %w", err)
	}
	return s, nil
}

// Describe implements prometheus.Collector.
func (s *Sink) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range s.m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (s *Sink) Collect(ch chan<- prometheus.Metric) {
	for _, c := range s.m.collectors() {
		c.Collect(ch)
	}
}

// Export updates the metrics from a batch of events. It never fails.
func (s *Sink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.mu.Each(batch, s.event)
	return nil
}

// Shutdown forgets the per-handle tables; later Exports are ignored. The
// metrics stay registered and keep their values.
func (s *Sink) Shutdown(_ context.Context) error {
	s.mu.Close(func() {
		s.funnel = boundedmap.New[uint64, funnelState](1, nil)
		s.media = boundedmap.New[uint64, map[streamKey]*streamCounters](1, nil)
	})
	return nil
}

// tracked reports how many handles the funnel and media tables hold.
func (s *Sink) tracked() (funnel, media int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.funnel.Len(), s.media.Len()
}

func (s *Sink) event(e *telemetry.Event) {
	s.m.events.WithLabelValues(typeName(e.Type)).Inc()
	trace := &exemplar{fn: s.cfg.traceID, session: e.SessionID, at: eventTime(e)}
	switch b := e.Typed().(type) {
	case telemetry.SessionBody:
		s.session(b)
	case telemetry.HandleBody:
		s.handle(e, b)
	case telemetry.ICEBody:
		s.ice(e, b.ICE, trace)
	case telemetry.DTLSBody:
		s.dtls(e, b.DTLS, trace)
	case telemetry.PeerConnectionBody:
		s.peerConnection(e, b)
	case telemetry.MediaReportBody:
		s.mediaReport(e, trace, b)
	case telemetry.MediaReports:
		s.mediaReport(e, trace, b...)
	case verdict.Body:
		s.m.outcomes.observe(b)
	case telemetry.PluginBody:
		s.m.pluginEvents.WithLabelValues(pluginName(b.Plugin)).Inc()
	}
}

func (s *Sink) session(b telemetry.SessionBody) {
	switch b.Name {
	case "created":
		s.m.sessCreated.Inc()
	case "destroyed", "timeout":
		s.m.sessEnded.WithLabelValues(b.Name).Inc()
	}
}

func (s *Sink) handle(e *telemetry.Event, b telemetry.HandleBody) {
	switch b.Name {
	case "attached":
		s.m.attached.WithLabelValues(pluginName(b.Plugin)).Inc()
	case "detached":
		s.m.detached.WithLabelValues(pluginName(b.Plugin)).Inc()
		s.forget(e.HandleID)
	}
}

func (s *Sink) peerConnection(e *telemetry.Event, b telemetry.PeerConnectionBody) {
	switch b.Connection {
	case "webrtcup":
		s.m.pcUp.Inc()
	case "hangup":
		s.m.pcHangups.WithLabelValues(hangupReason(b.Reason)).Inc()
		s.funnel.Delete(e.HandleID)
	}
}

// forget drops everything kept for a detached handle. The media table is
// kept across hangups because Janus sends one last report after hangup.
func (s *Sink) forget(handleID uint64) {
	s.funnel.Delete(handleID)
	s.media.Delete(handleID)
}

var (
	_ telemetry.Sink       = (*Sink)(nil)
	_ prometheus.Collector = (*Sink)(nil)
)
