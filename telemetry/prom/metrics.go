package prom

import "github.com/prometheus/client_golang/prometheus"

// Bucket layouts. Funnel latencies span a LAN handshake (a few ms) to a slow
// TURN setup (tens of seconds); jitter and RTT span good to unusable links;
// quality scores are Janus's 0-100 link quality.
var (
	iceBuckets     = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
	dtlsBuckets    = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	jitterBuckets  = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5}
	rttBuckets     = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2}
	qualityBuckets = prometheus.LinearBuckets(10, 10, 10)
)

// metrics holds every series the Sink updates.
type metrics struct {
	events       *prometheus.CounterVec
	sessCreated  prometheus.Counter
	sessEnded    *prometheus.CounterVec
	attached     *prometheus.CounterVec
	detached     *prometheus.CounterVec
	pcUp         prometheus.Counter
	pcHangups    *prometheus.CounterVec
	iceStates    *prometheus.CounterVec
	dtlsStates   *prometheus.CounterVec
	iceConnect   prometheus.Histogram
	dtlsHS       prometheus.Histogram
	packets      *prometheus.CounterVec
	bytes        *prometheus.CounterVec
	nacks        *prometheus.CounterVec
	lost         *prometheus.CounterVec
	jitter       *prometheus.HistogramVec
	rtt          *prometheus.HistogramVec
	quality      *prometheus.HistogramVec
	pluginEvents *prometheus.CounterVec
	outcomes     *outcomeMetrics
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
}

func newMetrics() *metrics {
	return &metrics{
		events: counterVec("argus_events_total",
			"Events received by the Prometheus sink, by Janus event type.", "type"),
		sessCreated: counter("argus_sessions_created_total", "Janus sessions created."),
		sessEnded: counterVec("argus_sessions_ended_total",
			"Janus sessions ended, by reason (destroyed or timeout).", "reason"),
		attached: counterVec("argus_handles_attached_total", "Handles attached, by plugin.", "plugin"),
		detached: counterVec("argus_handles_detached_total", "Handles detached, by plugin.", "plugin"),
		pcUp:     counter("argus_peerconnections_up_total", "PeerConnections that reached webrtcup."),
		pcHangups: counterVec("argus_peerconnections_hangups_total",
			"PeerConnections hung up, by Janus hangup reason.", "reason"),
		iceStates: counterVec("argus_ice_state_changes_total",
			"ICE state changes, by new state.", "state"),
		dtlsStates: counterVec("argus_dtls_state_changes_total",
			"DTLS state changes, by new state.", "state"),
		iceConnect: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "argus_ice_connect_seconds",
			Help:    "Time from the first ICE gathering or connecting state to connected, per handle.",
			Buckets: iceBuckets,
		}),
		dtlsHS: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "argus_dtls_handshake_seconds",
			Help:    "Time from DTLS trying to connected, per handle.",
			Buckets: dtlsBuckets,
		}),
		packets: counterVec("argus_media_packets_total",
			"RTP packets, from media report deltas, by media kind and direction (in, out).", "media", "direction"),
		bytes: counterVec("argus_media_bytes_total",
			"RTP bytes, from media report deltas, by media kind and direction (in, out).", "media", "direction"),
		nacks: counterVec("argus_media_nacks_total",
			"NACKs received (in) and sent (out), from media report deltas.", "media", "direction"),
		lost: counterVec("argus_media_lost_packets_total",
			"Incoming RTP packets lost, from media report deltas.", "media"),
		jitter: histogramVec("argus_media_jitter_seconds",
			"Jitter of incoming (direction in) and remote-reported outgoing (out) media, one observation per media report.",
			jitterBuckets, "media", "direction"),
		rtt: histogramVec("argus_media_rtt_seconds",
			"Round-trip time from RTCP, one observation per media report.", rttBuckets, "media"),
		quality: histogramVec("argus_media_quality_score",
			"Janus link quality score (0-100) of incoming (in) and outgoing (out) media, one observation per media report.",
			qualityBuckets, "media", "direction"),
		pluginEvents: counterVec("argus_plugin_events_total", "Plugin events, by plugin.", "plugin"),
		outcomes:     newOutcomeMetrics(),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.events, m.sessCreated, m.sessEnded, m.attached, m.detached, m.pcUp, m.pcHangups,
		m.iceStates, m.dtlsStates, m.iceConnect, m.dtlsHS, m.packets, m.bytes, m.nacks, m.lost,
		m.jitter, m.rtt, m.quality, m.pluginEvents, m.outcomes.sessions, m.outcomes.pcs,
	}
}
