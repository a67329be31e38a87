package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// vrTestQuery checks handle_info's plugin_specific (Admin API) for a
// publisher and a subscriber handle, and message_plugin for a sync request.
func vrTestQuery(t *testing.T, ctx context.Context, srv *vrServer, alice *vrUser) {
	info := func(hid uint64) map[string]any {
		t.Helper()
		res, err := srv.admin(ctx, msg{"janus": "handle_info", "session_id": alice.sid, "handle_id": hid})
		if err != nil || kind(res) != "success" {
			t.Fatalf("handle_info: %v %s", err, jsonString(res))
		}
		ps, _ := field(res, "info", "plugin_specific").(map[string]any)
		return ps
	}
	pub := info(alice.pubHID)
	if pub["type"] != "publisher" || u64(pub["id"]) != alice.feed || u64(pub["room"]) != 1234 || u64(pub["private_id"]) != alice.privateID {
		t.Errorf("publisher plugin_specific: %s", jsonString(pub))
	}
	streams, _ := pub["streams"].([]any)
	if len(streams) != 3 {
		t.Fatalf("publisher streams: %s", jsonString(pub))
	}
	for _, x := range streams {
		if n := u64(x.(map[string]any)["subscribers"]); n != 2 {
			t.Errorf("publisher stream %s has %d subscribers, want 2", jsonString(x), n)
		}
	}
	sub := info(alice.subs[0].hid)
	if sub["type"] != "subscriber" || sub["answered"] != true || u64(sub["private_id"]) != alice.privateID { // a boolean, as in Janus 1.1.2
		t.Errorf("subscriber plugin_specific: %s", jsonString(sub))
	}
	active := 0
	list, _ := sub["streams"].([]any)
	for _, x := range list {
		if x.(map[string]any)["active"] == true {
			active++
		}
	}
	// bob's audio, video and data; carol's video and audio re-subscribed
	// (the update step dropped carol's data).
	if active != 5 {
		t.Errorf("subscriber has %d active streams, want 5: %s", active, jsonString(sub))
	}
	res, err := srv.admin(ctx, msg{"janus": "message_plugin", "plugin": "janus.plugin.videoroom", "request": map[string]any{"request": "listparticipants", "room": 1234}})
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := field(res, "response", "participants").([]any)
	published := 0
	for _, x := range parts {
		if x.(map[string]any)["publisher"] == true {
			published++
		}
	}
	if published != 3 {
		t.Errorf("message_plugin listparticipants: %d publishing, want 3: %s", published, jsonString(res))
	}
}

// vrTestNotifications: unpublish, leave, kick and destroy reach the
// other participants and the subscribers.
func vrTestNotifications(t *testing.T, ctx context.Context, srv *vrServer, alice, bob, carol *vrUser) {
	// carol unpublishes: alice and bob are told, their subscriptions get
	// an updated offer without carol's streams.
	ev, err := carol.async(ctx, carol.pubHID, msg{"request": "unpublish"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := pluginData(ev); d["unpublished"] != "ok" {
		t.Fatalf("unpublish answer: %s", jsonString(ev))
	}
	for _, u := range []*vrUser{alice, bob} {
		if _, err := u.in.wait(ctx, u.name+" unpublished notice", func(m msg) bool {
			return u64(pluginData(m)["unpublished"]) == carol.feed
		}); err != nil {
			t.Fatal(err)
		}
		s := u.subs[0]
		up, err := u.in.wait(ctx, u.name+" updated offer", func(m msg) bool {
			return u64(m["sender"]) == s.hid && pluginData(m)["videoroom"] == "updated" && field(m, "jsep", "type") == "offer"
		})
		if err != nil {
			t.Fatal(err)
		}
		s.noteStreams(pluginData(up))
		for mid, f := range s.feeds {
			if f == carol.feed {
				t.Errorf("%s: carol's stream %s still active after unpublish", u.name, mid)
			}
		}
		if len(s.feeds) != 2 {
			t.Errorf("%s: %d active streams after unpublish, want 2", u.name, len(s.feeds))
		}
		offer, _ := field(up, "jsep", "sdp").(string)
		if err := s.answer(ctx, u, offer); err != nil {
			t.Fatal(err)
		}
	}
	if err := alice.subs[0].waitMedia(ctx, 20); err != nil {
		t.Fatalf("alice after carol left: %v", err)
	}

	// bob leaves.
	if ev, err := bob.async(ctx, bob.pubHID, msg{"request": "leave"}, nil); err != nil || pluginData(ev)["leaving"] != "ok" {
		t.Fatalf("leave: %v %s", err, jsonString(ev))
	}
	if _, err := alice.in.wait(ctx, "leaving notice", func(m msg) bool { return u64(pluginData(m)["leaving"]) == bob.feed }); err != nil {
		t.Fatal(err)
	}

	// carol (joined, not publishing) is kicked.
	d, err := alice.sync(ctx, alice.pubHID, msg{"request": "kick", "room": 1234, "secret": "adminpwd", "id": carol.feed})
	if err != nil || d["videoroom"] != "success" {
		t.Fatalf("kick: %v %s", err, jsonString(d))
	}
	if _, err := carol.in.wait(ctx, "kicked notice", func(m msg) bool {
		d := pluginData(m)
		return d["leaving"] == "ok" && d["reason"] == "kicked"
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.in.wait(ctx, "kicked notice", func(m msg) bool { return u64(pluginData(m)["kicked"]) == carol.feed }); err != nil {
		t.Fatal(err)
	}

	// The room is destroyed: alice is told, her PeerConnections hang up.
	d, err = alice.sync(ctx, alice.pubHID, msg{"request": "destroy", "room": 1234, "secret": "adminpwd"})
	if err != nil || d["videoroom"] != "destroyed" {
		t.Fatalf("destroy: %v %s", err, jsonString(d))
	}
	if _, err := alice.in.wait(ctx, "destroyed notice", func(m msg) bool {
		return pluginData(m)["videoroom"] == "destroyed" && u64(m["sender"]) == alice.pubHID
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.in.wait(ctx, "publisher hangup", fromHandle(alice.pubHID, "hangup")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"unpublished", "leaving", "kicked", "destroyed"} {
		if _, err := srv.waitEvent(ctx, name, func(e vrEvent) bool { return e.name() == name }); err != nil {
			t.Error(err)
		}
	}
}

// vrTestEvents rebuilds, from the recorded type 64 events alone, who
// published and who subscribed to whom, and checks every event names
// its session and handle.
func vrTestEvents(t *testing.T, srv *vrServer, users []*vrUser) {
	events := srv.pluginEvents()
	feedOfSession := map[uint64]uint64{} // publisher's session → feed
	displayOf := map[uint64]string{}     // feed → display
	published := map[uint64]bool{}
	subscribed := map[uint64][]uint64{} // subscriber's session → feeds
	for _, e := range events {
		if e.session == 0 || e.handle == 0 {
			t.Errorf("event without session/handle: %s", jsonString(e.data))
		}
		switch e.name() {
		case "joined":
			if e.data["display"] == "probe" {
				continue
			}
			feedOfSession[e.session] = u64(e.data["id"])
			displayOf[u64(e.data["id"])], _ = e.data["display"].(string)
		case "published":
			published[u64(e.data["id"])] = true
			var kinds []string
			for _, x := range e.data["streams"].([]any) {
				k, _ := x.(map[string]any)["type"].(string)
				kinds = append(kinds, k)
			}
			slices.Sort(kinds)
			if fmt.Sprint(kinds) != "[audio data video]" {
				t.Errorf("feed %v published %v, want audio, video and data", e.data["id"], kinds)
			}
		case "subscribing":
			for _, x := range e.data["streams"].([]any) {
				f := u64(x.(map[string]any)["feed_id"])
				if !slices.Contains(subscribed[e.session], f) {
					subscribed[e.session] = append(subscribed[e.session], f)
				}
			}
		}
	}
	got := map[string][]string{}
	for sess, feeds := range subscribed {
		var names []string
		for _, f := range feeds {
			if !published[f] {
				t.Errorf("subscription to feed %d that never published", f)
			}
			names = append(names, displayOf[f])
		}
		slices.Sort(names)
		got[displayOf[feedOfSession[sess]]] = names
	}
	want := map[string][]string{"alice": {"bob", "carol"}, "bob": {"alice", "carol"}, "carol": {"alice", "bob"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rebuilt subscriptions %v, want %v", got, want)
	}
	if len(published) != len(users) {
		t.Errorf("published feeds %v, want %d", published, len(users))
	}
}
