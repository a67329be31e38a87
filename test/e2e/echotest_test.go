package e2e

import (
	"context"
	"testing"
)

// TestEchoTest runs the whole EchoTest flow with a pion client over each
// transport: create, attach, offer (Opus, VP8, data channel) with trickle,
// RTP and data echoed back, hangup, detach, destroy.
func TestEchoTest(t *testing.T) {
	srv := startServer(t, serverOptions{})
	forEachTransport(t, srv, 4*stepTimeout, func(t *testing.T, ctx context.Context, tr string, c janusClient) {
		s := connectedEcho(ctx, t, c)
		// 50 packets of each kind is one second of media echoed back.
		if err := s.peer.waitReceived(ctx, 50); err != nil {
			t.Fatalf("%v (%s)", err, s.describe())
		}
		for _, k := range []string{"audio", "video"} {
			if _, err := s.in.wait(ctx, "media "+k+" receiving", func(m msg) bool {
				return fromHandle(s.hid, "media")(m) && m["type"] == k && m["receiving"] == true
			}); err != nil {
				t.Error(err)
			}
		}
		if err := s.dataEcho(ctx, "hello Argus over "+tr); err != nil {
			t.Fatal(err)
		}
		t.Log(s.describe())
		if err := s.hangup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.detachAndDestroy(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
