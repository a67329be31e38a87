package otel

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/eventbody"
)

const videoroom = "janus.plugin.videoroom"

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
func (s *Sink) plugin(e *telemetry.Event, b map[string]any) {
	if eventbody.String(b, "plugin") != videoroom {
		return
	}
	d := eventbody.Object(b["data"])
	room := eventbody.Key(d["room"])
	switch eventbody.String(d, "event") {
	case "leaving", "kicked":
		s.feeds.Delete(feedKey{room, eventbody.Key(d["id"])})
		return
	}
	h := s.liveHandle(e)
	if h == nil {
		return
	}
	t := at(e)
	switch eventbody.String(d, "event") {
	case "joined":
		k := feedKey{room, eventbody.Key(d["id"])}
		if k.feed == "" {
			return
		}
		h.role = "publisher"
		attrs := []attribute.KeyValue{attrRole.String(h.role), attrRoom.String(display(d["room"])),
			attrFeed.String(display(d["id"]))}
		h.span.SetAttributes(attrs...)
		s.feeds.Put(k, feedRef{handle: h.id, span: h.span.SpanContext()})
		h.feeds = append(h.feeds, k)
		s.instant(h.span, "join", t, attrs, "")
	case "published":
		s.instant(h.span, "publish", t, []attribute.KeyValue{attrRoom.String(display(d["room"])),
			attrFeed.String(display(d["id"]))}, "")
	case "subscribing":
		h.role = "subscriber"
		h.span.SetAttributes(attrRole.String(h.role), attrRoom.String(display(d["room"])))
		links := s.subscribe(h, room, d)
		s.instant(h.span, "subscribe", t, []attribute.KeyValue{attrRoom.String(display(d["room"]))}, "", links...)
	case "updated":
		if h.role == "subscriber" { // publishers' "updated" carries their own streams
			s.subscribe(h, room, d)
		}
	}
}

// subscribe links h's span to the publisher span of each feed in the
// event's streams not linked yet, and returns the new links.
func (s *Sink) subscribe(h *handleState, room string, d map[string]any) []trace.Link {
	var links []trace.Link
	for _, st := range eventbody.List(d, "streams") {
		fk := feedKey{room, eventbody.Key(eventbody.Object(st)["feed_id"])}
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
			attrFeed.String(display(eventbody.Object(st)["feed_id"])),
			attrHandleID.Int64(int64(ref.handle)),
		}}
		h.span.AddLink(l)
		links = append(links, l)
	}
	return links
}

// display renders a room or feed id for an attribute.
func display(v any) string {
	k := eventbody.Key(v)
	if len(k) > 2 {
		return k[2:]
	}
	return ""
}
