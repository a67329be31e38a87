package otel

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

func vr(session, handle uint64, atMS int64, data obj) *telemetry.Event {
	return ev(telemetry.TypePlugin, 0, session, handle, atMS,
		telemetry.PluginBody{Plugin: "janus.plugin.videoroom", Data: data})
}

func TestVideoRoomSubscriberLinksPublisher(t *testing.T) {
	for _, tc := range []struct {
		name       string
		room, feed any
		roomAttr   string
		feedAttr   string
	}{
		{"numeric ids", 1234, uint64(555), "1234", "555"},
		{"string ids", "demo", "alice", "demo", "alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder(t)
			const pubS, pubH, subS, subH = 1, 10, 2, 20
			r.export(t,
				ev(telemetry.TypeSession, 0, pubS, 0, 0, obj{"name": "created"}),
				ev(telemetry.TypeHandle, 0, pubS, pubH, 1, obj{"name": "attached", "plugin": "janus.plugin.videoroom"}),
				vr(pubS, pubH, 2, obj{"event": "joined", "room": tc.room, "id": tc.feed, "private_id": 77}),
				vr(pubS, pubH, 300, obj{"event": "published", "room": tc.room, "id": tc.feed}),
				ev(telemetry.TypeSession, 0, subS, 0, 400, obj{"name": "created"}),
				ev(telemetry.TypeHandle, 0, subS, subH, 401, obj{"name": "attached", "plugin": "janus.plugin.videoroom"}),
				vr(subS, subH, 402, obj{"event": "subscribing", "room": tc.room, "private_id": 77, "streams": []any{
					obj{"type": "audio", "mid": "0", "feed_id": tc.feed, "feed_mid": "0"},
					obj{"type": "video", "mid": "1", "feed_id": tc.feed, "feed_mid": "1"},
					obj{"type": "video", "mid": "2", "feed_id": "nobody"}, // unknown feed: no link
				}}),
				ev(telemetry.TypeHandle, 0, subS, subH, 900, obj{"name": "detached"}),
			)
			var pub, sub, subscribe, join *spanStub
			spans := r.exp.GetSpans()
			for i := range spans {
				s := &spans[i]
				switch {
				case s.Name == "handle janus.plugin.videoroom" && s.SpanContext.TraceID() == TraceID(server, pubS):
					pub = s
				case s.Name == "handle janus.plugin.videoroom":
					sub = s
				case s.Name == "subscribe":
					subscribe = s
				case s.Name == "join":
					join = s
				}
			}
			if sub == nil || subscribe == nil || join == nil {
				t.Fatalf("missing spans in %d recorded", len(spans))
			}
			if pub != nil {
				t.Fatal("publisher handle span ended before detach")
			}
			if a := attrs(*join); a["janus.videoroom.room"] != tc.roomAttr || a["janus.videoroom.feed_id"] != tc.feedAttr {
				t.Errorf("join attrs %v", a)
			}
			if join.SpanContext.TraceID() != TraceID(server, pubS) || sub.SpanContext.TraceID() != TraceID(server, subS) {
				t.Error("publisher and subscriber not in their sessions' traces")
			}
			pubHandle := join.Parent // the publisher's handle span
			for _, s := range []*spanStub{sub, subscribe} {
				if len(s.Links) != 1 {
					t.Fatalf("%s: %d links, want 1", s.Name, len(s.Links))
				}
				l := s.Links[0]
				if l.SpanContext.SpanID() != pubHandle.SpanID() || l.SpanContext.TraceID() != pubHandle.TraceID() {
					t.Errorf("%s links to %v, want publisher handle %v", s.Name, l.SpanContext, pubHandle)
				}
			}
			if a := attrs(*sub); a["janus.videoroom.role"] != "subscriber" || a["janus.videoroom.room"] != tc.roomAttr {
				t.Errorf("subscriber attrs %v", a)
			}
			// The publisher leaves: its feed is forgotten.
			r.export(t, vr(0, 0, 1000, obj{"event": "leaving", "room": tc.room, "id": tc.feed}))
			if _, _, f := r.sink.open(); f != 0 {
				t.Errorf("%d feeds after leaving, want 0", f)
			}
		})
	}
}

func TestVideoRoomDetachForgetsFeed(t *testing.T) {
	r := newRecorder(t)
	r.export(t,
		ev(telemetry.TypeHandle, 0, 1, 10, 1, obj{"name": "attached", "plugin": "janus.plugin.videoroom"}),
		vr(1, 10, 2, obj{"event": "joined", "room": 1, "id": 5}),
	)
	if _, _, f := r.sink.open(); f != 1 {
		t.Fatalf("%d feeds, want 1", f)
	}
	r.export(t, ev(telemetry.TypeHandle, 0, 1, 10, 3, obj{"name": "detached"}))
	if s, h, f := r.sink.open(); s+h+f != 0 {
		t.Errorf("open %d %d %d after detach, want none", s, h, f)
	}
}
