package dashboards

import (
	"context"
	"fmt"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// echoTest runs one full EchoTest: create, attach, offer/answer, media for
// mediaFor, hangup (reason "Janus API"), detach, destroy. It returns the
// session id.
func echoTest(ctx context.Context, j *janus, mediaFor time.Duration) (sid uint64, err error) {
	res, err := j.request(ctx, 0, 0, jmsg{"janus": "create"}, "success")
	if err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	sid = id(res, "data", "id")
	res, err = j.request(ctx, sid, 0, jmsg{"janus": "attach", "plugin": "janus.plugin.echotest", "opaque_id": "dashboards-test"}, "success")
	if err != nil {
		return sid, fmt.Errorf("attach: %w", err)
	}
	hid := id(res, "data", "id")
	p, err := newPeer()
	if err != nil {
		return sid, err
	}
	defer func() {
		if cerr := p.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	sdp, err := p.offer(ctx)
	if err != nil {
		return sid, err
	}
	if _, err := j.request(ctx, sid, hid, jmsg{
		"janus": "message",
		"body":  map[string]any{"audio": true, "video": true},
		"jsep":  map[string]any{"type": "offer", "sdp": sdp},
	}, "ack"); err != nil {
		return sid, fmt.Errorf("message: %w", err)
	}
	ev, err := j.waitEvent(ctx, sid, "answer", func(m jmsg) bool {
		js, _ := m["jsep"].(map[string]any)
		return m["janus"] == "event" && js != nil && js["type"] == "answer"
	})
	if err != nil {
		return sid, err
	}
	answer, _ := ev["jsep"].(map[string]any)["sdp"].(string)
	if err := p.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		return sid, fmt.Errorf("apply answer: %w", err)
	}
	if _, err := j.waitEvent(ctx, sid, "webrtcup", func(m jmsg) bool { return m["janus"] == "webrtcup" }); err != nil {
		return sid, err
	}
	if err := p.waitConnected(ctx); err != nil {
		return sid, err
	}
	p.send()
	select {
	case <-time.After(mediaFor):
	case <-ctx.Done():
		return sid, ctx.Err()
	}
	p.stopSending()
	if _, err := j.request(ctx, sid, hid, jmsg{"janus": "hangup"}, "success"); err != nil {
		return sid, fmt.Errorf("hangup: %w", err)
	}
	if _, err := j.waitEvent(ctx, sid, "hangup", func(m jmsg) bool { return m["janus"] == "hangup" }); err != nil {
		return sid, err
	}
	if _, err := j.request(ctx, sid, hid, jmsg{"janus": "detach"}, "success"); err != nil {
		return sid, fmt.Errorf("detach: %w", err)
	}
	if _, err := j.request(ctx, sid, 0, jmsg{"janus": "destroy"}, "success"); err != nil {
		return sid, fmt.Errorf("destroy: %w", err)
	}
	return sid, nil
}
