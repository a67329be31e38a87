package load

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
)

// keepaliveEvery keeps Janus sessions (60 s session_timeout) alive.
const keepaliveEvery = 25 * time.Second

// teardownTimeout bounds the best-effort detach and destroy.
const teardownTimeout = 5 * time.Second

// conn is one client's Janus API connection, session and plugin handle.
type conn struct {
	c  janusclient.Client
	in *janusclient.Inbox
	s  *janusclient.Session
	h  *janusclient.Handle
}

// openConn dials, creates a session and attaches plugin. On error the
// returned conn (if not nil) still needs close.
func openConn(ctx context.Context, cfg *Config, plugin string) (*conn, error) {
	// Events nobody waits for are dropped, never stalling the replies.
	c, err := janusclient.Dial(ctx, cfg.URL, janusclient.Options{EventBuffer: 256, DropEvents: true})
	if err != nil {
		return nil, err
	}
	k := &conn{c: c, in: janusclient.NewInbox(c)}
	if k.s, err = janusclient.Create(ctx, c); err != nil {
		return k, err
	}
	if k.h, err = k.s.Attach(ctx, plugin, "argus-load"); err != nil {
		return k, err
	}
	return k, nil
}

// message sends a plugin request and returns the plugin's answer, failing
// on a plugin error.
func (k *conn) message(ctx context.Context, body, jsep map[string]any) (janusclient.Msg, error) {
	m, err := k.h.Message(ctx, k.in, body, jsep)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", body["request"], err)
	}
	if code := m.Field("plugindata", "data", "error_code"); code != nil {
		return m, fmt.Errorf("%v: %w: %.300s", body["request"], errBadReply, m.String())
	}
	return m, nil
}

// waitUp waits for the handle's webrtcup, failing early on its hangup.
func (k *conn) waitUp(ctx context.Context) error {
	up := janusclient.From(k.h.ID, "webrtcup")
	down := janusclient.From(k.h.ID, "hangup")
	m, err := k.in.Wait(ctx, "webrtcup", func(m janusclient.Msg) bool { return up(m) || down(m) })
	if err != nil {
		return err
	}
	if !up(m) {
		return fmt.Errorf("waiting for webrtcup: %w: %.300s", errBadReply, m.String())
	}
	return nil
}

// count consumes the handle's collected events of a kind and counts them.
func (k *conn) count(kind string) int64 {
	if k == nil || k.h == nil {
		return 0
	}
	return int64(len(k.in.Take(janusclient.From(k.h.ID, kind))))
}

// close detaches and destroys (best effort) and closes the connection.
func (k *conn) close() {
	if k == nil {
		return
	}
	if k.s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), teardownTimeout)
		if k.h != nil {
			_ = k.h.Detach(ctx)
		}
		_ = k.s.Destroy(ctx)
		cancel()
	}
	k.in.Close()
	k.c.Close()
}

// hold waits d (or until ctx ends), keeping the sessions alive.
func hold(ctx context.Context, d time.Duration, conns func() []*conn) {
	end := time.NewTimer(d)
	defer end.Stop()
	keep := time.NewTicker(keepaliveEvery)
	defer keep.Stop()
	for {
		select {
		case <-end.C:
			return
		case <-ctx.Done():
			return
		case <-keep.C:
			for _, k := range conns() {
				rctx, cancel := context.WithTimeout(ctx, teardownTimeout)
				_ = k.s.Keepalive(rctx)
				cancel()
			}
		}
	}
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

// jsepSDP returns the event's jsep sdp of type typ.
func jsepSDP(m janusclient.Msg, typ string) (string, error) {
	sdp, _ := m.Field("jsep", "sdp").(string)
	if m.Field("jsep", "type") != typ || sdp == "" {
		return "", fmt.Errorf("%w: no %s in %.300s", errBadReply, typ, m.String())
	}
	return sdp, nil
}
