package load

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// keepaliveEvery keeps Janus sessions (60 s session_timeout) alive.
const keepaliveEvery = 25 * time.Second

// sessionResult is what one EchoTest session measured.
type sessionResult struct {
	err        error
	setup      time.Duration // create request .. connected and webrtcup
	sent, recv map[string]*Counter
	hangups    int64 // hangup events during media
	slowlinks  int64
}

// session is one client: a Janus connection, session, echotest handle and peer.
type session struct {
	cfg  *Config
	log  *slog.Logger
	c    client
	sid  uint64
	hid  uint64
	peer *peer
	seen []msg // asynchronous messages not consumed yet

	hangups, slowlinks atomic.Int64
}

// runSession runs the whole flow and always releases what it opened.
func runSession(ctx context.Context, cfg *Config, log *slog.Logger) sessionResult {
	s := &session{cfg: cfg, log: log}
	res := sessionResult{}
	start := time.Now()
	err := s.setup(ctx)
	if err == nil {
		res.setup = time.Since(start)
		s.log = s.log.With("session_id", s.sid, "handle_id", s.hid)
		s.media(ctx)
	}
	res.err = err
	if s.peer != nil {
		res.sent, res.recv = s.peer.sent, s.peer.recv
	}
	s.teardown()
	res.hangups, res.slowlinks = s.hangups.Load(), s.slowlinks.Load()
	if err != nil {
		s.log.Debug("session failed", "err", err)
	}
	return res
}

// setup creates the session and handle, negotiates, and waits until media can flow.
func (s *session) setup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.SetupTimeout)
	defer cancel()
	var err error
	if s.c, err = dial(ctx, s.cfg.URL); err != nil {
		return err
	}
	res, err := s.call(ctx, 0, 0, msg{"janus": "create"}, "success")
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if s.sid = u64(res.field("data", "id")); s.sid == 0 {
		return fmt.Errorf("create: %w: no session id", errBadReply)
	}
	s.c.watch(s.sid)
	res, err = s.call(ctx, s.sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.echotest", "opaque_id": "argus-load"}, "success")
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	if s.hid = u64(res.field("data", "id")); s.hid == 0 {
		return fmt.Errorf("attach: %w: no handle id", errBadReply)
	}
	if s.peer, err = newPeer(s.cfg); err != nil {
		return err
	}
	sdp, err := s.peer.offer(ctx)
	if err != nil {
		return err
	}
	if _, err := s.call(ctx, s.sid, s.hid, msg{
		"janus": "message",
		"body":  map[string]any{"audio": true, "video": true},
		"jsep":  map[string]any{"type": "offer", "sdp": sdp, "trickle": false},
	}, "ack"); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	ev, err := s.wait(ctx, "answer", func(m msg) bool {
		return s.from(m, "event") && m.field("jsep", "type") == "answer"
	})
	if err != nil {
		return err
	}
	answer, _ := ev.field("jsep", "sdp").(string)
	if err := checkAnswer(answer); err != nil {
		return err
	}
	if err := s.peer.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		return fmt.Errorf("apply answer: %w", err)
	}
	if err := s.peer.waitConnected(ctx); err != nil {
		return err
	}
	if _, err := s.wait(ctx, "webrtcup", func(m msg) bool { return s.from(m, "webrtcup") }); err != nil {
		return err
	}
	return nil
}

// call sends req and expects a reply of kind want.
func (s *session) call(ctx context.Context, sid, hid uint64, req msg, want string) (msg, error) {
	m, err := s.c.request(ctx, sid, hid, req)
	return expect(m, err, want)
}

// checkAnswer requires accepted audio and video m-lines with Opus and VP8.
func checkAnswer(sdp string) error {
	low := strings.ToLower(sdp)
	for _, want := range []string{"opus/48000", "vp8/90000"} {
		if !strings.Contains(low, want) {
			return fmt.Errorf("%w: %s", errNoCodec, want)
		}
	}
	for _, line := range strings.Split(sdp, "\n") {
		if strings.HasPrefix(line, "m=audio 0 ") || strings.HasPrefix(line, "m=video 0 ") {
			return fmt.Errorf("%w: rejected %q", errNoCodec, strings.TrimSpace(line))
		}
	}
	return nil
}

// from matches asynchronous messages of this handle and kind.
func (s *session) from(m msg, kind string) bool {
	return m.kind() == kind && u64(m["sender"]) == s.hid
}

// wait returns the first asynchronous message, seen before or arriving now,
// matching pred.
func (s *session) wait(ctx context.Context, what string, pred func(msg) bool) (msg, error) {
	for i, m := range s.seen {
		if pred(m) {
			s.seen = append(s.seen[:i], s.seen[i+1:]...)
			return m, nil
		}
	}
	for {
		select {
		case m := <-s.c.events():
			if pred(m) {
				return m, nil
			}
			if s.from(m, "hangup") || (m.kind() == "error") {
				return nil, fmt.Errorf("waiting for %s: %w: got %v", what, errBadReply, map[string]any(m))
			}
			s.seen = append(s.seen, m)
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

// media sends RTP for Duration, keeps the session alive, counts hangup and
// slowlink events, then waits Drain for in-flight echoes.
func (s *session) media(ctx context.Context) {
	mctx, cancel := context.WithTimeout(ctx, s.cfg.Duration)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.peer.send(mctx, s.cfg)
	}()
	keep := time.NewTicker(keepaliveEvery)
	defer keep.Stop()
	drain := time.NewTimer(s.cfg.Duration + s.cfg.Drain)
	defer drain.Stop()
	for {
		select {
		case m := <-s.c.events():
			switch {
			case s.from(m, "hangup"):
				s.hangups.Add(1)
			case s.from(m, "slowlink"):
				s.slowlinks.Add(1)
			}
		case <-keep.C:
			rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
			_, _ = s.c.request(rctx, s.sid, 0, msg{"janus": "keepalive"})
			rcancel()
		case <-drain.C:
			<-done
			return
		case <-ctx.Done():
			<-done
			return
		}
	}
}

// teardown destroys the Janus session (best effort) and closes everything.
func (s *session) teardown() {
	if s.c == nil {
		return
	}
	if s.sid != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if s.hid != 0 {
			_, _ = s.c.request(ctx, s.sid, s.hid, msg{"janus": "detach"})
		}
		_, _ = s.c.request(ctx, s.sid, 0, msg{"janus": "destroy"})
		cancel()
	}
	if s.peer != nil {
		_ = s.peer.close()
	}
	s.c.close()
}
