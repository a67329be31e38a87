package prom

import (
	"github.com/argusrtc/argus/telemetry"
)

// maxStreamsPerHandle bounds the per-handle media table: a handle has one
// entry per mid and simulcast layer; 64 covers a large VideoRoom subscriber.
const maxStreamsPerHandle = 64

// streamKey names one medium (and simulcast layer) of one handle.
type streamKey struct {
	mid   string
	media string
}

// cumulative counters of a media report (janus-reference.md 4.4, media
// subtype 3) that the sink turns into deltas.
var cumulative = [...]struct {
	field     string
	direction string
	// value reads the field; false when the report has none (data
	// channels have no NACKs and no losses).
	value func(r *telemetry.MediaReportBody) (float64, bool)
}{
	{"packets-received", "in", func(r *telemetry.MediaReportBody) (float64, bool) { return float64(r.PacketsReceived), true }},
	{"packets-sent", "out", func(r *telemetry.MediaReportBody) (float64, bool) { return float64(r.PacketsSent), true }},
	{"bytes-received", "in", func(r *telemetry.MediaReportBody) (float64, bool) { return float64(r.BytesReceived), true }},
	{"bytes-sent", "out", func(r *telemetry.MediaReportBody) (float64, bool) { return float64(r.BytesSent), true }},
	{"nacks-received", "in", rtp(func(q *telemetry.RTPStats) float64 { return float64(q.NACKsReceived) })},
	{"nacks-sent", "out", rtp(func(q *telemetry.RTPStats) float64 { return float64(q.NACKsSent) })},
	{"lost", "", rtp(func(q *telemetry.RTPStats) float64 { return float64(q.Lost) })},
}

// rtp reads a field of the audio and video part of a report.
func rtp(f func(q *telemetry.RTPStats) float64) func(r *telemetry.MediaReportBody) (float64, bool) {
	return func(r *telemetry.MediaReportBody) (float64, bool) {
		if r.RTPStats == nil {
			return 0, false
		}
		return f(r.RTPStats), true
	}
}

// streamCounters are the last cumulative values seen for one stream.
type streamCounters [len(cumulative)]float64

// mediaReport adds the deltas of a media report to the counters and
// observes its gauges (jitter, RTT, link quality) into histograms.
func (s *Sink) mediaReport(e *telemetry.Event, trace *exemplar, reports ...telemetry.MediaReportBody) {
	streams, _ := s.media.Get(e.HandleID)
	for i := range reports {
		o := &reports[i]
		layer := o.Media
		kind := mediaKind(layer)
		key := streamKey{mid: o.Mid, media: layer}
		last, seen := streams[key]
		if !seen {
			if streams == nil {
				streams = make(map[streamKey]*streamCounters)
				s.media.Put(e.HandleID, streams)
			}
			if len(streams) >= maxStreamsPerHandle {
				continue
			}
			last = new(streamCounters)
			streams[key] = last
		}
		for i, c := range cumulative {
			v, ok := c.value(o)
			if !ok || v < 0 {
				continue
			}
			d := v - last[i]
			if v < last[i] { // counters restarted (new PeerConnection)
				d = v
			}
			last[i] = v
			if d > 0 {
				s.addCumulative(i, kind, d)
			}
		}
		s.gauges(o, kind, trace)
	}
}

func (s *Sink) addCumulative(i int, kind string, d float64) {
	c := cumulative[i]
	switch c.field {
	case "packets-received", "packets-sent":
		s.m.packets.WithLabelValues(kind, c.direction).Add(d)
	case "bytes-received", "bytes-sent":
		s.m.bytes.WithLabelValues(kind, c.direction).Add(d)
	case "nacks-received", "nacks-sent":
		s.m.nacks.WithLabelValues(kind, c.direction).Add(d)
	case "lost":
		s.m.lost.WithLabelValues(kind).Add(d)
	}
}

// gauges observes one report object's instantaneous values. Jitter and RTT
// are in milliseconds in Janus reports; metrics use seconds.
func (s *Sink) gauges(o *telemetry.MediaReportBody, kind string, trace *exemplar) {
	q := o.RTPStats
	if q == nil {
		return
	}
	if q.JitterLocal >= 0 {
		s.observe(s.m.jitter.WithLabelValues(kind, "in"), jitterBuckets, q.JitterLocal/1000, trace)
	}
	if q.JitterRemote >= 0 {
		s.observe(s.m.jitter.WithLabelValues(kind, "out"), jitterBuckets, q.JitterRemote/1000, trace)
	}
	if q.RTT > 0 {
		s.observe(s.m.rtt.WithLabelValues(kind), rttBuckets, float64(q.RTT)/1000, trace)
	}
	if q.InLinkQuality >= 0 {
		s.observe(s.m.quality.WithLabelValues(kind, "in"), qualityBuckets, float64(q.InLinkQuality), trace)
	}
	if q.OutLinkQuality >= 0 {
		s.observe(s.m.quality.WithLabelValues(kind, "out"), qualityBuckets, float64(q.OutLinkQuality), trace)
	}
}
