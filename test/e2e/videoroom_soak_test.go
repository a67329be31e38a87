package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// vrSoakSubscribers is how many subscribers receive the one publisher.
const vrSoakSubscribers = 20

// TestVideoRoomOnePublisherManySubscribers: one publisher, 20 subscribers
// (each its own Janus session, subscribed concurrently); media must keep
// flowing to every subscriber during each second of the soak duration
// (ARGUS_SOAK_SECONDS, default 3).
func TestVideoRoomOnePublisherManySubscribers(t *testing.T) {
	dur := soakDuration(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*vrStepTimeout+dur)
	defer cancel()
	srv := startVideoRoomServer(t)
	pub := newVRPublisher(ctx, t, srv, "speaker", 9)
	viewers := make([]*vrUser, vrSoakSubscribers)
	var wg sync.WaitGroup
	errs := make(chan error, vrSoakSubscribers)
	for i := range viewers {
		u, err := newVRUser(ctx, t, srv, fmt.Sprintf("viewer%d", i), byte(20+i))
		if err != nil {
			t.Fatal(err)
		}
		viewers[i] = u
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := u.subscribe(ctx, pub.feed); err != nil {
				errs <- fmt.Errorf("%s: %w", u.name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(dur)
	for round := 0; time.Now().Before(deadline); round++ {
		sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
		bases := make([]map[string]int64, len(viewers))
		for i, u := range viewers {
			bases[i] = u.subs[0].snapshot()
		}
		for i, u := range viewers {
			// 25 packets of each stream is half a second of media.
			if err := u.subs[0].waitSince(sctx, bases[i], 25); err != nil {
				scancel()
				t.Fatalf("round %d, %s: %v", round, u.name, err)
			}
		}
		scancel()
	}
	for _, u := range viewers {
		for mid := range u.subs[0].feeds {
			if tr := u.subs[0].peer.track(mid); tr.lastMarker.Load() != int32(pub.marker) || tr.bytes.Load() == 0 {
				t.Errorf("%s mid %s: marker %d bytes %d", u.name, mid, tr.lastMarker.Load(), tr.bytes.Load())
			}
		}
	}
	// End every session at once (the cleanups would do it one by one).
	var closing sync.WaitGroup
	for _, u := range append(slices.Clip(viewers), pub) {
		closing.Add(1)
		go func() {
			defer closing.Done()
			u.close()
		}()
	}
	closing.Wait()
	if ev, err := srv.waitEvent(ctx, "subscribed", func(e vrEvent) bool { return e.name() == "subscribed" }); err != nil || ev.handle == 0 {
		t.Errorf("subscribed event: %v %+v", err, ev)
	}
}
