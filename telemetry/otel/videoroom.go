package otel

import (
	"encoding/json"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
)

// maxLinks bounds the publisher links of one subscriber handle, well above
// what a room's subscriber receives (the SDK keeps 128 links per span).
const maxLinks = 128

// feedKey names a VideoRoom publisher: (room, feed id), as rendered by key.
type feedKey struct{ room, feed string }

// feedRef is the handle span of the publisher that joined as a feed.
type feedRef struct {
	handle uint64
	span   trace.SpanContext
}

var (
	attrRoom = attribute.Key("janus.videoroom.room")
	attrFeed = attribute.Key("janus.videoroom.feed_id")
	attrRole = attribute.Key("janus.videoroom.role")
)

// plugin handles type 64 events. Only VideoRoom events shape spans
// (janus-reference.md 6.7): "joined" names a publisher handle's feed,
// "published" marks its PeerConnection up, "subscribing" (and a
// subscriber's "updated") links the subscriber's handle span to the span of
// each publisher it receives; "leaving"/"kicked" forget the feed.
func (s *Sink) plugin(e *telemetry.Event, b telemetry.PluginBody) {
	d, ok := b.Data.(telemetry.VideoRoomData)
	if !ok {
		return
	}
	room := d.Room.Key()
	switch d.Event {
	case "leaving", "kicked":
		s.feeds.Delete(feedKey{room, d.ID.Key()})
		return
	}
	h := s.liveHandle(e)
	if h == nil {
		return
	}
	t := at(e)
	switch d.Event {
	case "joined":
		k := feedKey{room, d.ID.Key()}
		if k.feed == "" {
			return
		}
		h.role = "publisher"
		attrs := []attribute.KeyValue{attrRole.String(h.role), attrRoom.String(d.Room.String()),
			attrFeed.String(d.ID.String())}
		h.span.SetAttributes(attrs...)
		s.feeds.Put(k, feedRef{handle: h.id, span: h.span.SpanContext()})
		h.feeds = append(h.feeds, k)
		s.instant(h.span, "join", t, attrs, "")
	case "published":
		s.instant(h.span, "publish", t, []attribute.KeyValue{attrRoom.String(d.Room.String()),
			attrFeed.String(d.ID.String())}, "")
	case "subscribing":
		h.role = "subscriber"
		h.span.SetAttributes(attrRole.String(h.role), attrRoom.String(d.Room.String()))
		links := s.subscribe(h, room, d)
		s.instant(h.span, "subscribe", t, []attribute.KeyValue{attrRoom.String(d.Room.String())}, "", links...)
	case "updated":
		if h.role == "subscriber" { // publishers' "updated" carries their own streams
			s.subscribe(h, room, d)
		}
	}
}

// subscribe links h's span to the publisher span of each feed in the
// event's streams not linked yet, and returns the new links.
func (s *Sink) subscribe(h *handleState, room string, d telemetry.VideoRoomData) []trace.Link {
	var links []trace.Link
	for _, raw := range d.Streams {
		var st struct {
			FeedID telemetry.ID `json:"feed_id"`
		}
		if json.Unmarshal(raw, &st) != nil {
			continue // a stream of another shape feeds nothing
		}
		fk := feedKey{room, st.FeedID.Key()}
		if fk.feed == "" || h.linked[fk] || len(h.linked) >= maxLinks {
			continue
		}
		ref, ok := s.feeds.Get(fk)
		if !ok {
			continue
		}
		if h.linked == nil {
			h.linked = make(map[feedKey]bool)
		}
		h.linked[fk] = true
		l := trace.Link{SpanContext: ref.span, Attributes: []attribute.KeyValue{
			attrFeed.String(st.FeedID.String()),
			attrHandleID.Int64(int64(ref.handle)),
		}}
		h.span.AddLink(l)
		links = append(links, l)
	}
	return links
}
