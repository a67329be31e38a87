package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// soakSessions is how many EchoTest sessions run at once.
const soakSessions = 20

// soakDuration is how long media flows in every session: ARGUS_SOAK_SECONDS
// (default 3 s for CI; the milestone's done-means check uses 30).
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("ARGUS_SOAK_SECONDS")
	if v == "" {
		return 3 * time.Second
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("ARGUS_SOAK_SECONDS=%q: want a positive integer", v)
	}
	return time.Duration(n) * time.Second
}

// TestConcurrentEchoSessions runs 20 pion EchoTest sessions at once, half
// over HTTP and half over WebSocket, each with media flowing for the soak
// duration; every one must echo its media and data and end cleanly, and
// the gateway must end with no session, handle or PeerConnection (TestMain
// then checks that no goroutine is left).
func TestConcurrentEchoSessions(t *testing.T) {
	dur := soakDuration(t)
	srv := startServer(t, serverOptions{})
	clients := make([]janusClient, soakSessions)
	for i := range clients {
		clients[i] = srv.dial(t, transports[i%len(transports)])
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur+6*stepTimeout)
	defer cancel()

	errs := make([]error, soakSessions)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = soakOne(ctx, c, i, dur)
		}()
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			t.Errorf("session %d (%s): %v", i, transports[i%len(transports)], err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d sessions failed", failed, soakSessions)
	}
	deadline := time.Now().Add(stepTimeout)
	for {
		n := srv.gateway.Counts()
		if n.Sessions == 0 && n.Handles == 0 && n.PeerConnections == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway still holds %+v after every session ended", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// soakOne runs one session's whole EchoTest with media for dur.
func soakOne(ctx context.Context, c janusClient, i int, dur time.Duration) (err error) {
	s, err := newEchoSession(ctx, c)
	if err != nil {
		return err
	}
	defer s.close()
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w (%s)", err, s.describe())
		}
	}()
	if err := s.negotiate(ctx); err != nil {
		return err
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	if err := s.peer.waitReceived(ctx, 10); err != nil {
		return err
	}
	// Media flows for the soak duration; then at least half of what was
	// sent must have come back (loopback, so loss means a bug or overload).
	select {
	case <-time.After(dur):
	case <-ctx.Done():
		return ctx.Err()
	}
	s.peer.stopSending()
	sent := s.peer.sent.Load()
	if err := s.peer.waitReceived(ctx, sent/2); err != nil {
		return fmt.Errorf("after %d packets sent per kind: %w", sent, err)
	}
	if err := s.dataEcho(ctx, fmt.Sprintf("soak %d", i)); err != nil {
		return err
	}
	if err := s.hangup(ctx); err != nil {
		return err
	}
	return s.detachAndDestroy(ctx)
}
