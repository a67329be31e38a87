package prom

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// VideoRoomSink is a telemetry.Sink for VideoRoom metrics, derived from
// events only (it needs types 2, 32 and 64: telemetry.ParseMask("handles,
// media,plugins")):
//
//   - argus_videoroom_rooms (gauge): rooms known from events — created,
//     or seen in a joined/published/subscribing event — and not destroyed.
//     Rooms from the plugin config appear once someone joins them.
//   - argus_videoroom_publishers (gauge): feeds whose PeerConnection is up
//     ("published" until "unpublished", "leaving", "kicked" or the room's
//     "destroyed").
//   - argus_videoroom_subscribers (gauge): subscriber handles with a
//     subscription ("subscribing" until "unsubscribed", handle "detached"
//     or the room's "destroyed").
//   - argus_videoroom_forwarded_packets_total / _bytes_total (counters,
//     label media): what Argus sent to subscribers, i.e. the deltas of
//     "packets-sent"/"bytes-sent" in the media reports (type 32, subtype
//     3) of subscriber handles. Media reports are read on a timer by the
//     WebRTC layer, so counting costs nothing per packet.
//   - argus_videoroom_fanout_dropped_packets_total (counter): packets of
//     publisher streams that full fan-out queues dropped for some
//     subscribers (Argus's "fanout-dropped" events, sent at most once a
//     second per stream while it drops; a host too slow for its rooms).
type VideoRoomSink struct {
	packets *prometheus.CounterVec
	bytes   *prometheus.CounterVec
	dropped prometheus.Counter

	roomsDesc, pubsDesc, subsDesc *prometheus.Desc

	mu          telemetry.Serial
	maxTracked  int
	rooms       map[string]struct{}
	publishers  map[[2]string]struct{}            // (room, feed)
	subscribers map[uint64]string                 // subscriber handle → room
	everSub     map[uint64]struct{}               // handles that subscribed (until detached)
	last        map[uint64]map[string]*[2]float64 // handle → mid/layer → packets, bytes sent
}

// NewVideoRoomSink creates the sink and registers its metrics on reg.
func NewVideoRoomSink(reg prometheus.Registerer) (*VideoRoomSink, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	s := &VideoRoomSink{
		packets: counterVec("argus_videoroom_forwarded_packets_total", "RTP packets sent to VideoRoom subscribers, by media.", "media"),
		bytes:   counterVec("argus_videoroom_forwarded_bytes_total", "RTP bytes sent to VideoRoom subscribers, by media.", "media"),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "argus_videoroom_fanout_dropped_packets_total",
			Help: "RTP packets of VideoRoom publishers dropped by full fan-out queues (once per shard of subscribers).",
		}),
		roomsDesc:   prometheus.NewDesc("argus_videoroom_rooms", "VideoRoom rooms known from events and not destroyed.", nil, nil),
		pubsDesc:    prometheus.NewDesc("argus_videoroom_publishers", "VideoRoom publishers with their PeerConnection up.", nil, nil),
		subsDesc:    prometheus.NewDesc("argus_videoroom_subscribers", "VideoRoom subscriber handles with a subscription.", nil, nil),
		maxTracked:  defaultVideoRoomTracked,
		rooms:       map[string]struct{}{},
		publishers:  map[[2]string]struct{}{},
		subscribers: map[uint64]string{},
		everSub:     map[uint64]struct{}{},
		last:        map[uint64]map[string]*[2]float64{},
	}
	for _, k := range knownMedia {
		s.packets.WithLabelValues(k)
		s.bytes.WithLabelValues(k)
	}
	if err := reg.Register(s); err != nil {
		return nil, fmt.Errorf("prom: register videoroom metrics: %w", err)
	}
	return s, nil
}

// defaultVideoRoomTracked bounds every table of the sink.
const defaultVideoRoomTracked = 65536

// Describe implements prometheus.Collector.
func (s *VideoRoomSink) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.roomsDesc
	ch <- s.pubsDesc
	ch <- s.subsDesc
	s.packets.Describe(ch)
	s.bytes.Describe(ch)
	s.dropped.Describe(ch)
}

// Collect implements prometheus.Collector.
func (s *VideoRoomSink) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	rooms, pubs, subs := len(s.rooms), len(s.publishers), len(s.subscribers)
	s.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(s.roomsDesc, prometheus.GaugeValue, float64(rooms))
	ch <- prometheus.MustNewConstMetric(s.pubsDesc, prometheus.GaugeValue, float64(pubs))
	ch <- prometheus.MustNewConstMetric(s.subsDesc, prometheus.GaugeValue, float64(subs))
	s.packets.Collect(ch)
	s.bytes.Collect(ch)
	s.dropped.Collect(ch)
}

// Export updates the state from a batch of events. It never fails.
func (s *VideoRoomSink) Export(_ context.Context, batch []*telemetry.Event) error {
	s.mu.Each(batch, func(e *telemetry.Event) {
		switch b := e.Typed().(type) {
		case telemetry.PluginBody:
			if d, ok := b.Data.(telemetry.VideoRoomData); ok {
				s.plugin(e.HandleID, d)
			}
		case telemetry.HandleBody:
			if b.Name == "detached" {
				delete(s.subscribers, e.HandleID)
				delete(s.everSub, e.HandleID)
				delete(s.last, e.HandleID)
			}
		case telemetry.MediaReportBody:
			s.report(e, b)
		case telemetry.MediaReports:
			s.report(e, b...)
		}
	})
	return nil
}

// Shutdown stops updates; the last values stay readable.
func (s *VideoRoomSink) Shutdown(context.Context) error {
	s.mu.Close(nil)
	return nil
}

// plugin applies one VideoRoom event.
func (s *VideoRoomSink) plugin(handle uint64, d telemetry.VideoRoomData) {
	room := d.Room.Key()
	if room == "" {
		return
	}
	name := d.Event
	switch name {
	case "created", "joined", "subscribing":
		s.addRoom(room)
	case "published":
		s.addRoom(room)
		if len(s.publishers) < s.maxTracked {
			s.publishers[[2]string{room, d.ID.Key()}] = struct{}{}
		}
	case "unpublished", "leaving", "kicked":
		delete(s.publishers, [2]string{room, d.ID.Key()})
	case "unsubscribed":
		delete(s.subscribers, handle)
	case "fanout-dropped":
		if d.Dropped != nil {
			s.dropped.Add(float64(*d.Dropped))
		}
	case "destroyed":
		delete(s.rooms, room)
		for k := range s.publishers {
			if k[0] == room {
				delete(s.publishers, k)
			}
		}
		for h, r := range s.subscribers {
			if r == room {
				delete(s.subscribers, h)
			}
		}
	}
	if name == "subscribing" && handle != 0 && len(s.subscribers) < s.maxTracked {
		s.subscribers[handle] = room
		s.everSub[handle] = struct{}{}
	}
}

func (s *VideoRoomSink) addRoom(room string) {
	if len(s.rooms) < s.maxTracked {
		s.rooms[room] = struct{}{}
	}
}

// report adds the sent deltas of a subscriber handle's media report.
func (s *VideoRoomSink) report(e *telemetry.Event, reports ...telemetry.MediaReportBody) {
	if _, ok := s.everSub[e.HandleID]; !ok {
		return
	}
	streams := s.last[e.HandleID]
	if streams == nil {
		streams = map[string]*[2]float64{}
		s.last[e.HandleID] = streams
	}
	for _, o := range reports {
		layer := o.Media
		k := o.Mid + "/" + layer
		prev := streams[k]
		if prev == nil {
			if len(streams) >= maxStreamsPerHandle {
				continue
			}
			prev = new([2]float64)
			streams[k] = prev
		}
		kind := mediaKind(layer)
		for i, v := range [2]float64{float64(o.PacketsSent), float64(o.BytesSent)} {
			d := v - prev[i]
			if v < prev[i] { // a new PeerConnection restarted the counters
				d = v
			}
			prev[i] = v
			if d <= 0 {
				continue
			}
			if i == 0 {
				s.packets.WithLabelValues(kind).Add(d)
			} else {
				s.bytes.WithLabelValues(kind).Add(d)
			}
		}
	}
}

var (
	_ telemetry.Sink       = (*VideoRoomSink)(nil)
	_ prometheus.Collector = (*VideoRoomSink)(nil)
)
