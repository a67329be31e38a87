package prom

// Known label values. Every series these name exists from start-up at 0, so
// a healthy system shows 0 in a dashboard rather than "No data", and rate()
// and increase() see the first event as an increase from 0. Values outside
// these sets still appear when an event brings them (normalised to "other").
var (
	knownEventTypes     = []string{"session", "handle", "external", "jsep", "webrtc", "media", "plugin", "transport", "core"}
	knownSessionEnds    = []string{"destroyed", "timeout"}
	knownMedia          = []string{"audio", "video", "data"}
	knownDirections     = []string{"in", "out"}
	knownICEStates      = []string{"disconnected", "gathering", "connecting", "connected", "ready", "failed"}
	knownDTLSStates     = []string{"trying", "connected", "failed"}
	knownHangupReasons  = []string{"Janus API", "Admin API", "Close PC", "DTLS alert", "DTLS timeout", "DTLS error", "ICE failed", "Gathering error", "ICE gathering error", "DTLS-SRTP stack error", "Detach"}
	defaultKnownPlugins = []string{"janus.plugin.echotest", "janus.plugin.videoroom"}
)

// WithPlugins names the plugins whose per-plugin series
// (argus_handles_attached_total, argus_handles_detached_total,
// argus_plugin_events_total) exist from start-up at 0. The default is the
// plugins Argus ships: janus.plugin.echotest and janus.plugin.videoroom.
func WithPlugins(names ...string) Option {
	return optionFunc(func(c *config) { c.plugins = append([]string(nil), names...) })
}

// zero creates every series of the known label sets at 0.
func (m *metrics) zero(plugins []string) {
	for _, t := range knownEventTypes {
		m.events.WithLabelValues(t)
	}
	for _, r := range knownSessionEnds {
		m.sessEnded.WithLabelValues(r)
	}
	for _, p := range plugins {
		p = pluginName(p)
		m.attached.WithLabelValues(p)
		m.detached.WithLabelValues(p)
		m.pluginEvents.WithLabelValues(p)
	}
	for _, r := range knownHangupReasons {
		m.pcHangups.WithLabelValues(hangupReason(r))
	}
	for _, s := range knownICEStates {
		m.iceStates.WithLabelValues(iceState(s))
	}
	for _, s := range knownDTLSStates {
		m.dtlsStates.WithLabelValues(dtlsState(s))
	}
	for _, k := range knownMedia {
		m.lost.WithLabelValues(k)
		m.rtt.WithLabelValues(k)
		for _, d := range knownDirections {
			m.packets.WithLabelValues(k, d)
			m.bytes.WithLabelValues(k, d)
			m.nacks.WithLabelValues(k, d)
			m.jitter.WithLabelValues(k, d)
			m.quality.WithLabelValues(k, d)
		}
	}
}
