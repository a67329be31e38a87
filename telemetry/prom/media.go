package prom

import (
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/eventbody"
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
}{
	{"packets-received", "in"}, {"packets-sent", "out"},
	{"bytes-received", "in"}, {"bytes-sent", "out"},
	{"nacks-received", "in"}, {"nacks-sent", "out"},
	{"lost", ""},
}

// streamCounters are the last cumulative values seen for one stream.
type streamCounters [len(cumulative)]float64

// mediaReport adds the deltas of a media report to the counters and
// observes its gauges (jitter, RTT, link quality) into histograms.
func (s *Sink) mediaReport(e *telemetry.Event, trace *exemplar) {
	streams, _ := s.media.Get(e.HandleID)
	for _, o := range eventbody.Objects(e.Body) {
		layer := eventbody.String(o, "media")
		kind := mediaKind(layer)
		key := streamKey{mid: eventbody.String(o, "mid"), media: layer}
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
			v, ok := eventbody.Number(o, c.field)
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
func (s *Sink) gauges(o map[string]any, kind string, trace *exemplar) {
	if v, ok := eventbody.Number(o, "jitter-local"); ok && v >= 0 {
		s.observe(s.m.jitter.WithLabelValues(kind, "in"), v/1000, trace)
	}
	if v, ok := eventbody.Number(o, "jitter-remote"); ok && v >= 0 {
		s.observe(s.m.jitter.WithLabelValues(kind, "out"), v/1000, trace)
	}
	if v, ok := eventbody.Number(o, "rtt"); ok && v > 0 {
		s.observe(s.m.rtt.WithLabelValues(kind), v/1000, trace)
	}
	if v, ok := eventbody.Number(o, "in-link-quality"); ok && v >= 0 {
		s.observe(s.m.quality.WithLabelValues(kind, "in"), v, trace)
	}
	if v, ok := eventbody.Number(o, "out-link-quality"); ok && v >= 0 {
		s.observe(s.m.quality.WithLabelValues(kind, "out"), v, trace)
	}
}
