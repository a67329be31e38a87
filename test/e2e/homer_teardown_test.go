package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// TestHomerTeardownOrder: when a session with a live PeerConnection times
// out or the gateway shuts down, the handle's events keep Janus's order
// (hangup, the final media report, detached, then the session's end) and
// Homer's view of the session has every row.
func TestHomerTeardownOrder(t *testing.T) {
	for _, how := range []string{"timeout", "shutdown"} {
		t.Run(how, func(t *testing.T) {
			hb := newHEPBus(t, nil)
			opts := serverOptions{emitter: hb.bus}
			if how == "timeout" {
				opts.sessionTimeout, opts.watchdog = 3*time.Second, 100*time.Millisecond
			}
			srv := startServer(t, opts)
			ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
			defer cancel()
			s := connectedEcho(ctx, t, srv.dial(t, "ws"))
			if err := s.peer.waitReceived(ctx, 20); err != nil {
				t.Fatal(err)
			}
			end := "timeout"
			if how == "shutdown" {
				end = "destroyed"
				sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := srv.gateway.Shutdown(sctx)
				scancel()
				if err != nil {
					t.Fatalf("Shutdown: %v", err)
				}
			}
			// No keepalive is sent: the session times out on its own.
			if _, err := hb.rec.WaitFor(func(e *telemetry.Event) bool {
				return e.SessionID == s.sid && e.Type == telemetry.TypeSession && toWire(t, e).bodyField("name") == end
			}, 10*time.Second); err != nil {
				t.Fatalf("session %s event: %v", end, err)
			}
			checkTeardownOrder(t, how, hb.homerTransaction(t, s.sid), s.hid)
		})
	}
}
