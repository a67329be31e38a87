package e2e

import (
	"context"
	"testing"
	"time"
)

// TestSessionTimeout: a session with no activity for session_timeout is
// destroyed and its client gets {"janus":"timeout","session_id":S}
// (janus-reference.md 1.8). Over HTTP the event reaches the parked long
// poll; over WebSocket, the socket.
func TestSessionTimeout(t *testing.T) {
	srv := startServer(t, serverOptions{sessionTimeout: time.Second, watchdog: 100 * time.Millisecond})
	forEachTransport(t, srv, stepTimeout, func(t *testing.T, ctx context.Context, tr string, c janusClient) {
		sid := createSession(ctx, t, c)
		if _, err := expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.echotest"})); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c.Watch(sid)
		in := &inbox{c: c}
		ev, err := in.wait(ctx, "timeout event", func(m msg) bool { return kind(m) == "timeout" })
		if err != nil {
			t.Fatal(err)
		}
		if got := u64(ev["session_id"]); got != sid {
			t.Fatalf("timeout event for session %d, want %d: %s", got, sid, jsonString(ev))
		}
		if waited := time.Since(start); waited < 500*time.Millisecond {
			t.Fatalf("timed out after %v, before the 1 s session timeout", waited)
		}
		// The session is gone: any request on it is 458.
		res, err := expectKindOf("error")(c.Request(ctx, sid, 0, msg{"janus": "keepalive"}))
		if err != nil {
			t.Fatal(err)
		}
		if errorCode(res) != 458 {
			t.Fatalf("keepalive after timeout: %s, want error 458", jsonString(res))
		}
	})
}

// TestKeepaliveKeepsSessionAlive: keepalives more frequent than the
// timeout keep the session (and nothing else is needed over WebSocket).
func TestKeepaliveKeepsSessionAlive(t *testing.T) {
	srv := startServer(t, serverOptions{sessionTimeout: time.Second, watchdog: 100 * time.Millisecond})
	c := srv.dial(t, "ws")
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	sid := createSession(ctx, t, c)
	deadline := time.Now().Add(2500 * time.Millisecond) // 2.5 session timeouts
	for time.Now().Before(deadline) {
		if _, err := expectKindOf("ack")(c.Request(ctx, sid, 0, msg{"janus": "keepalive"})); err != nil {
			t.Fatalf("keepalive: %v", err)
		}
		time.Sleep(300 * time.Millisecond) // pacing the keepalives, not an assertion
	}
	if _, err := expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "destroy"})); err != nil {
		t.Fatalf("destroy after keepalives: %v", err)
	}
}
