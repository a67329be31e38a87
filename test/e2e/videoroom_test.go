package e2e

import (
	"context"
	"testing"
	"time"
)

// vrStepTimeout bounds each step of the VideoRoom tests.
const vrStepTimeout = 20 * time.Second

// vrRoom starts Argus and three publishers (alice, bob, carol) in room
// 1234; each subscribes, on one handle, to the two others.
func vrRoom(t *testing.T, ctx context.Context) (*vrServer, []*vrUser) {
	t.Helper()
	srv := startVideoRoomServer(t)
	var users []*vrUser
	for i, name := range []string{"alice", "bob", "carol"} {
		u, err := newVRUser(ctx, t, srv, name, byte(i+1))
		if err != nil {
			t.Fatal(err)
		}
		// Each publishes its own way: join + configure, join + publish, joinandconfigure.
		joined, err := u.publishWith(ctx, []string{"configure", "publish", "joinandconfigure"}[i])
		if err != nil {
			t.Fatal(err)
		}
		// The joined answer lists the publishers already in.
		if got := len(joined["publishers"].([]any)); got != i {
			t.Fatalf("%s joined with %d publishers listed, want %d: %s", name, got, i, jsonString(joined))
		}
		users = append(users, u)
	}
	// Earlier publishers were told about later ones.
	for i, u := range users {
		for _, other := range users[i+1:] {
			if _, err := u.in.wait(ctx, u.name+" publishers notice", func(m msg) bool {
				list, _ := pluginData(m)["publishers"].([]any)
				return len(list) == 1 && u64(list[0].(map[string]any)["id"]) == other.feed
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, u := range users {
		var feeds []uint64
		for j, o := range users {
			if j != i {
				feeds = append(feeds, o.feed)
			}
		}
		s, err := u.subscribe(ctx, feeds...)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.feeds) != 4 {
			t.Fatalf("%s subscription has %d streams, want 4: %v", u.name, len(s.feeds), s.feeds)
		}
	}
	return srv, users
}

// TestVideoRoomThreePublishers: every subscription receives media from
// the right publisher; switch, NACK, PLI and REMB behave; unpublish,
// leave, kick and destroy notify; the recorded events tell who published
// and who subscribed to whom.
func TestVideoRoomThreePublishers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*vrStepTimeout)
	defer cancel()
	srv, users := vrRoom(t, ctx)
	alice, bob, carol := users[0], users[1], users[2]
	byFeed := map[uint64]*vrUser{}
	for _, u := range users {
		byFeed[u.feed] = u
	}
	for _, u := range users {
		s := u.subs[0]
		if err := s.waitMedia(ctx, 50); err != nil {
			t.Fatalf("%s: %v", u.name, err)
		}
		for mid, feed := range s.feeds {
			tr := s.peer.track(mid)
			if got, want := tr.lastMarker.Load(), int32(byFeed[feed].marker); got != want {
				t.Errorf("%s mid %s: media from marker %d, want %s's %d", u.name, mid, got, byFeed[feed].name, want)
			}
			if tr.bytes.Load() == 0 {
				t.Errorf("%s mid %s: no bytes", u.name, mid)
			}
		}
	}

	// Data channel messages of both other publishers reach each subscriber.
	for _, u := range users {
		for _, o := range users {
			if o == u {
				continue
			}
			for u.subs[0].peer.dataFrom(o.name) == 0 {
				select {
				case <-ctx.Done():
					t.Fatalf("%s got no data channel message from %s", u.name, o.name)
				case <-waitTick():
				}
			}
		}
	}

	t.Run("switch", func(t *testing.T) { vrTestSwitch(t, ctx, alice, bob, carol) })
	t.Run("nack", func(t *testing.T) { vrTestNACK(t, ctx, carol, bob) })
	t.Run("pli", func(t *testing.T) { vrTestPLI(t, ctx, carol, alice) })
	t.Run("remb", func(t *testing.T) { vrTestREMB(t, ctx, carol, alice) })
	t.Run("subscriber errors", func(t *testing.T) { vrTestSubscriberErrors(t, ctx, alice, bob) })
	t.Run("talking", func(t *testing.T) { vrTestTalking(t, ctx, srv, alice, bob) })
	t.Run("moderate", func(t *testing.T) { vrTestModerate(t, ctx, srv, alice, bob, carol) })
	t.Run("renegotiate", func(t *testing.T) { vrTestRenegotiate(t, ctx, srv, alice, bob) })
	t.Run("update", func(t *testing.T) { vrTestUpdate(t, ctx, alice, carol) })
	t.Run("handle_info", func(t *testing.T) { vrTestQuery(t, ctx, srv, alice) })
	t.Run("notifications", func(t *testing.T) { vrTestNotifications(t, ctx, srv, alice, bob, carol) })
	t.Run("events", func(t *testing.T) { vrTestEvents(t, srv, users) })
	t.Run("otel", func(t *testing.T) { vrTestOTel(t, srv, users) })
	t.Run("prom", func(t *testing.T) { vrTestProm(t, srv) })
}
