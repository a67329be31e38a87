package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestVideoRoomConcurrentDestroy: what Janus's aiortc VideoRoom example
// does at Ctrl-C, several rounds in a row on one server. One user
// publishes; a second publishes too and subscribes to the first; with
// media flowing, both destroy their Janus sessions at the same moment.
// Every destroy is answered within 10 s (a plugin session that cannot end
// would hold it), and the room ends with no participant.
func TestVideoRoomConcurrentDestroy(t *testing.T) {
	srv := startVideoRoomServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	for round := range 4 {
		pub := newVRPublisher(ctx, t, srv, fmt.Sprintf("pub%d", round), 1)
		both := newVRPublisher(ctx, t, srv, fmt.Sprintf("both%d", round), 2)
		sub, err := both.subscribe(ctx, pub.feed)
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.waitMedia(ctx, 20); err != nil {
			t.Fatalf("round %d: no media forwarded: %v", round, err)
		}
		users := []*vrUser{both, pub}
		errs := make([]error, len(users))
		var wg sync.WaitGroup
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
				defer dcancel()
				_, errs[i] = expectKindOf("success")(u.c.Request(dctx, u.sid, 0, msg{"janus": "destroy"}))
			}()
		}
		wg.Wait()
		for i, u := range users {
			if errs[i] != nil {
				t.Fatalf("round %d: %s destroy: %v", round, u.name, errs[i])
			}
			u.sid = 0 // destroyed: close only hangs up the clients
			u.close()
		}
		if n := vrParticipants(ctx, t, srv); n != 0 {
			t.Fatalf("round %d: %d participants left in the room after both destroys", round, n)
		}
	}
}

// vrParticipants counts room 1234's participants (Admin API
// message_plugin listparticipants).
func vrParticipants(ctx context.Context, t *testing.T, srv *vrServer) int {
	t.Helper()
	res, err := srv.admin(ctx, msg{"janus": "message_plugin", "plugin": "janus.plugin.videoroom",
		"request": map[string]any{"request": "listparticipants", "room": 1234}})
	if err != nil {
		t.Fatal(err)
	}
	parts, ok := field(res, "response", "participants").([]any)
	if !ok {
		t.Fatalf("listparticipants: %s", jsonString(res))
	}
	return len(parts)
}
