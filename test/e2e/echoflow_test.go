package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// echoPrefix is what the EchoTest puts before echoed data channel text
// (janus-reference.md section 5).
const echoPrefix = "Janus EchoTest here! You wrote: "

// echoSession is one client's EchoTest: a Janus session, an echotest
// handle and a pion PeerConnection. Its methods are the steps of the
// flow; each returns an error instead of failing the test, so concurrent
// sessions can run them.
type echoSession struct {
	c    janusClient
	in   *inbox
	sid  uint64
	hid  uint64
	peer *echoPeer

	trickleErr  chan error
	trickleDone sync.WaitGroup
}

// negotiatedEcho is newEchoSession and negotiate for a test that runs one
// session: it fails t on error and closes the session when t ends.
func negotiatedEcho(ctx context.Context, t *testing.T, c janusClient) *echoSession {
	t.Helper()
	s, err := newEchoSession(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	if err := s.negotiate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// connectedEcho is negotiatedEcho followed by connect: the PeerConnection
// is up and media flows.
func connectedEcho(ctx context.Context, t *testing.T, c janusClient) *echoSession {
	t.Helper()
	s := negotiatedEcho(ctx, t, c)
	if err := s.connect(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// createSession sends "create" and returns the new session's id; it
// fails t on error.
func createSession(ctx context.Context, t *testing.T, c janusClient) uint64 {
	t.Helper()
	res, err := expectKindOf("success")(c.Request(ctx, 0, 0, msg{"janus": "create"}))
	if err != nil {
		t.Fatal(err)
	}
	return u64(field(res, "data", "id"))
}

// eventWaiter is what telemetrytest's recording emitter and sink share.
type eventWaiter interface {
	WaitFor(pred func(*telemetry.Event) bool, timeout time.Duration) (*telemetry.Event, error)
}

// end hangs up, detaches and destroys the session and waits until rec has
// the session's "destroyed" event; it fails t on error.
func (s *echoSession) end(ctx context.Context, t *testing.T, rec eventWaiter) {
	t.Helper()
	if err := s.hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.detachAndDestroy(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.WaitFor(func(e *telemetry.Event) bool {
		return e.SessionID == s.sid && e.Type == telemetry.TypeSession && toWire(t, e).bodyField("name") == "destroyed"
	}, 5*time.Second); err != nil {
		t.Fatalf("session destroyed event: %v", err)
	}
}

// newEchoSession creates a session and attaches janus.plugin.echotest.
func newEchoSession(ctx context.Context, c janusClient) (*echoSession, error) {
	s := &echoSession{c: c, in: &inbox{c: c}, trickleErr: make(chan error, 1)}
	res, err := expectKindOf("success")(c.Request(ctx, 0, 0, msg{"janus": "create"}))
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	if _, has := res["session_id"]; has {
		return nil, fmt.Errorf("create reply has a session_id: %s", jsonString(res))
	}
	s.sid = u64(field(res, "data", "id"))
	if s.sid == 0 || s.sid > 1<<53-1 {
		return nil, fmt.Errorf("create: bad session id in %s", jsonString(res))
	}
	c.Watch(s.sid)
	res, err = expectKindOf("success")(c.Request(ctx, s.sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.echotest", "opaque_id": "echotest-e2e"}))
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	s.hid = u64(field(res, "data", "id"))
	if s.hid == 0 || u64(res["session_id"]) != s.sid {
		return nil, fmt.Errorf("attach: bad reply %s", jsonString(res))
	}
	return s, nil
}

// expectKindOf adapts expectKind to take a request's two results directly.
func expectKindOf(want string) func(msg, error) (msg, error) {
	return func(m msg, err error) (msg, error) { return expectKind(m, err, want) }
}

// negotiate offers Opus + VP8 + a data channel with {audio:true,video:true},
// trickles the client's candidates, and applies the answer.
func (s *echoSession) negotiate(ctx context.Context) error {
	p, err := newEchoPeer()
	if err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	s.peer = p
	s.trickleDone.Add(1)
	go s.trickle(ctx)

	sdp, err := p.offer()
	if err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	res, err := s.c.Request(ctx, s.sid, s.hid, msg{
		"janus": "message",
		"body":  map[string]any{"audio": true, "video": true},
		"jsep":  map[string]any{"type": "offer", "sdp": sdp},
	})
	if _, err := expectKind(res, err, "ack"); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	tx, _ := res["transaction"].(string)
	ev, err := s.in.wait(ctx, "echotest answer", func(m msg) bool {
		return fromHandle(s.hid, "event")(m) && field(m, "jsep", "type") == "answer"
	})
	if err != nil {
		return err
	}
	if got := field(ev, "plugindata", "plugin"); got != "janus.plugin.echotest" {
		return fmt.Errorf("answer event plugin %v: %s", got, jsonString(ev))
	}
	if got := field(ev, "plugindata", "data", "result"); got != "ok" {
		return fmt.Errorf("answer event result %v: %s", got, jsonString(ev))
	}
	if got, _ := ev["transaction"].(string); got != tx {
		return fmt.Errorf("answer event transaction %q, want the message's %q", got, tx)
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := p.pc.SetRemoteDescription(sdpAnswer(answer)); err != nil {
		return fmt.Errorf("apply answer: %w", err)
	}
	return nil
}

// trickle sends the client's candidates as Janus trickle requests, then
// {"completed": true}.
func (s *echoSession) trickle(ctx context.Context) {
	defer s.trickleDone.Done()
	for {
		var c any
		select {
		case <-ctx.Done():
			return
		case init := <-s.peer.cands:
			if init == nil {
				c = map[string]any{"completed": true}
			} else {
				c = map[string]any{"candidate": init.Candidate, "sdpMid": init.SDPMid, "sdpMLineIndex": init.SDPMLineIndex}
			}
		}
		res, err := s.c.Request(ctx, s.sid, s.hid, msg{"janus": "trickle", "candidate": c})
		if _, err := expectKind(res, err, "ack"); err != nil {
			select {
			case s.trickleErr <- fmt.Errorf("trickle: %w", err):
			default:
			}
			return
		}
		if cm, ok := c.(map[string]any); ok && cm["completed"] == true {
			return
		}
	}
}

// connect waits for webrtcup and a connected PeerConnection, then starts
// sending media.
func (s *echoSession) connect(ctx context.Context) error {
	if err := s.connectQuiet(ctx); err != nil {
		return err
	}
	s.peer.startSending()
	return nil
}

// dataEcho sends text on the data channel and checks the prefixed echo.
func (s *echoSession) dataEcho(ctx context.Context, text string) error {
	select {
	case <-s.peer.dcOpen:
	case <-ctx.Done():
		return fmt.Errorf("data channel open: %w", ctx.Err())
	}
	if err := s.peer.dc.SendText(text); err != nil {
		return fmt.Errorf("data channel send: %w", err)
	}
	select {
	case got := <-s.peer.dcMsgs:
		if got != echoPrefix+text {
			return fmt.Errorf("data channel echo %q, want %q", got, echoPrefix+text)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("data channel echo: %w", ctx.Err())
	}
}

// hangup hangs the PeerConnection up and checks the hangup event.
func (s *echoSession) hangup(ctx context.Context) error {
	s.peer.stopSending()
	if _, err := expectKindOf("success")(s.c.Request(ctx, s.sid, s.hid, msg{"janus": "hangup"})); err != nil {
		return fmt.Errorf("hangup: %w", err)
	}
	ev, err := s.in.wait(ctx, "hangup event", fromHandle(s.hid, "hangup"))
	if err != nil {
		return err
	}
	if ev["reason"] != "Janus API" {
		return fmt.Errorf("hangup reason %v, want \"Janus API\": %s", ev["reason"], jsonString(ev))
	}
	if _, err := s.in.wait(ctx, `echotest "done" event`, func(m msg) bool {
		return fromHandle(s.hid, "event")(m) && field(m, "plugindata", "data", "result") == "done"
	}); err != nil {
		return err
	}
	return nil
}

// detachAndDestroy detaches (checking the detached event) and destroys the session.
func (s *echoSession) detachAndDestroy(ctx context.Context) error {
	if _, err := expectKindOf("success")(s.c.Request(ctx, s.sid, s.hid, msg{"janus": "detach"})); err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	if _, err := s.in.wait(ctx, "detached event", fromHandle(s.hid, "detached")); err != nil {
		return err
	}
	if _, err := expectKindOf("success")(s.c.Request(ctx, s.sid, 0, msg{"janus": "destroy"})); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return nil
}

// close releases the PeerConnection and the trickle goroutine.
func (s *echoSession) close() {
	if s.peer != nil {
		_ = s.peer.close()
	}
	s.trickleDone.Wait()
}

// describe is a one-line summary for failure messages.
func (s *echoSession) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "session %d handle %d", s.sid, s.hid)
	if s.peer != nil {
		fmt.Fprintf(&b, ", echoed audio %d pkts/%d B, video %d pkts/%d B",
			s.peer.recv["audio"].packets.Load(), s.peer.recv["audio"].bytes.Load(),
			s.peer.recv["video"].packets.Load(), s.peer.recv["video"].bytes.Load())
		fmt.Fprintf(&b, "; sent audio %d, video %d pkts; client pc %s, ice %s",
			s.peer.Sent("audio").Packets.Load(), s.peer.Sent("video").Packets.Load(),
			s.peer.pc.ConnectionState(), s.peer.pc.ICEConnectionState())
		if c, g, err := selectedPair(s); err == nil {
			fmt.Fprintf(&b, ", pair %s -> %s", c, g)
		}
	}
	return b.String()
}

// stepTimeout bounds each step of the flow.
const stepTimeout = 20 * time.Second

// sdpAnswer wraps an answer SDP for pion.
func sdpAnswer(sdp string) pion.SessionDescription {
	return pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: sdp}
}
