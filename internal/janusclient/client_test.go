package janusclient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/internal/testpeer"

	_ "github.com/argusrtc/argus/plugins/echotest" // registers janus.plugin.echotest
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startArgus runs an in-process Argus; the URLs by transport name.
func startArgus(t *testing.T) map[string]string {
	t.Helper()
	u := argustest.Start(t, "janusclient-test")
	return map[string]string{"http": u.HTTP, "ws": u.WS}
}

// attachEcho creates a session on c and attaches janus.plugin.echotest,
// failing t on an error.
func attachEcho(ctx context.Context, t *testing.T, c janusclient.Client, opaqueID string) (*janusclient.Session, *janusclient.Handle) {
	t.Helper()
	s, err := janusclient.Create(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Attach(ctx, "janus.plugin.echotest", opaqueID)
	if err != nil {
		t.Fatal(err)
	}
	return s, h
}

// TestEchoFlow runs the whole request flow over both transports with a
// trickling test peer, and checks that media is echoed.
func TestEchoFlow(t *testing.T) {
	urls := startArgus(t)
	for _, tr := range []string{"http", "ws"} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := janusclient.Dial(ctx, urls[tr], janusclient.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			in := janusclient.NewInbox(c)
			defer in.Close()
			s, h := attachEcho(ctx, t, c, "janusclient-test")
			if err := s.Keepalive(ctx); err != nil {
				t.Fatal(err)
			}
			p, err := testpeer.New(testpeer.Config{Audio: true, Video: true, Feedback: testpeer.BrowserFeedback()})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Close() }()
			offer, err := p.Offer(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := h.Message(ctx, in, map[string]any{"audio": true, "video": true}, janusclient.JSEP("offer", offer, true))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Field("plugindata", "data", "result") != "ok" || ev.Field("jsep", "type") != "answer" {
				t.Fatalf("answer event %s", ev)
			}
			if err := p.SetAnswer(ev.Field("jsep", "sdp").(string)); err != nil {
				t.Fatal(err)
			}
			for cand := range p.Candidates() {
				var cm map[string]any
				if cand != nil {
					cm = map[string]any{"candidate": cand.Candidate, "sdpMid": cand.SDPMid, "sdpMLineIndex": cand.SDPMLineIndex}
				}
				if err := h.Trickle(ctx, cm); err != nil {
					t.Fatal(err)
				}
				if cand == nil {
					break
				}
			}
			if _, err := in.Wait(ctx, "webrtcup", janusclient.From(h.ID, "webrtcup")); err != nil {
				t.Fatal(err)
			}
			if err := p.WaitConnected(ctx); err != nil {
				t.Fatal(err)
			}
			p.Start(testpeer.Browser20ms())
			for p.Received("audio").Packets.Load() < 10 || p.Received("video").Packets.Load() < 10 {
				select {
				case <-ctx.Done():
					t.Fatalf("echoed audio %d video %d", p.Received("audio").Packets.Load(), p.Received("video").Packets.Load())
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := h.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := in.Wait(ctx, "hangup", janusclient.From(h.ID, "hangup")); err != nil {
				t.Fatal(err)
			}
			if err := h.Detach(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := in.Wait(ctx, "detached", janusclient.From(h.ID, "detached")); err != nil {
				t.Fatal(err)
			}
			if err := s.Destroy(ctx); err != nil {
				t.Fatal(err)
			}
			// The session is gone: a request on it is a Janus error.
			m, err := c.Request(ctx, s.ID, 0, janusclient.Msg{"janus": "keepalive"})
			if tr == "ws" {
				if err != nil || m.Kind() != "error" || m.Uint("error", "code") != 458 {
					t.Fatalf("keepalive after destroy: %v %v", m, err)
				}
			} else if err == nil && m.Kind() != "error" {
				t.Fatalf("keepalive after destroy: %v", m)
			}
		})
	}
}

// TestDropEvents: with DropEvents a full event buffer drops and counts
// asynchronous messages instead of stalling the replies.
func TestDropEvents(t *testing.T) {
	urls := startArgus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := janusclient.DialWS(ctx, urls["ws"], janusclient.Options{EventBuffer: 1, DropEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, h := attachEcho(ctx, t, c, "")
	// Each message yields an asynchronous event nobody reads: one fills
	// the buffer, the others are dropped, and replies still arrive.
	for range 5 {
		if _, err := h.Send(ctx, map[string]any{"audio": true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for c.Dropped() < 4 {
		select {
		case <-ctx.Done():
			t.Fatalf("dropped %d events, want 4", c.Dropped())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if len(c.Events()) != 1 {
		t.Fatalf("%d buffered events, want 1", len(c.Events()))
	}
	if err := s.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestClosed: requests on a closed WebSocket client fail with ErrClosed.
func TestClosed(t *testing.T) {
	urls := startArgus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := janusclient.DialWS(ctx, urls["ws"], janusclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := janusclient.Create(ctx, c); !errors.Is(err, janusclient.ErrClosed) {
		t.Fatalf("create on closed client: %v", err)
	}
	if _, err := janusclient.Dial(ctx, "ftp://x/", janusclient.Options{}); err == nil {
		t.Fatal("ftp scheme accepted")
	}
}
