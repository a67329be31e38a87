package dashboards

import (
	"context"
	"errors"
	"fmt"
	"time"

	pion "github.com/pion/webrtc/v4"

	_ "github.com/argusrtc/argus/plugins/videoroom" // registers janus.plugin.videoroom
)

// videoRoomRoom is the default permanent room of the VideoRoom plugin.
const videoRoomRoom = 1234

// pluginData returns plugindata.data of an event.
func pluginData(m jmsg) map[string]any {
	pd, _ := m["plugindata"].(map[string]any)
	d, _ := pd["data"].(map[string]any)
	return d
}

// jsepOf returns an event's jsep sdp of the given type, or "".
func jsepOf(m jmsg, typ string) string {
	js, _ := m["jsep"].(map[string]any)
	if js == nil || js["type"] != typ {
		return ""
	}
	sdp, _ := js["sdp"].(string)
	return sdp
}

// videoRoom runs one VideoRoom call in one session: a publisher joins room
// 1234 and publishes audio and video, a subscriber receives that feed, media
// flows for mediaFor, then both hang up and detach and the session ends.
func videoRoom(ctx context.Context, j *janus, mediaFor time.Duration) (sid uint64, err error) {
	res, err := j.request(ctx, 0, 0, jmsg{"janus": "create"}, "success")
	if err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	sid = id(res, "data", "id")
	attach := func() (uint64, error) {
		res, err := j.request(ctx, sid, 0, jmsg{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "dashboards-videoroom"}, "success")
		if err != nil {
			return 0, fmt.Errorf("attach videoroom: %w", err)
		}
		return id(res, "data", "id"), nil
	}

	// Publisher.
	pubH, err := attach()
	if err != nil {
		return sid, err
	}
	pub, err := newPeer()
	if err != nil {
		return sid, err
	}
	defer func() { err = errors.Join(err, pub.close()) }()
	offer, err := pub.offer(ctx)
	if err != nil {
		return sid, err
	}
	if _, err := j.request(ctx, sid, pubH, jmsg{
		"janus": "message",
		"body":  map[string]any{"request": "joinandconfigure", "room": videoRoomRoom, "ptype": "publisher", "display": "dashboards-pub", "audio": true, "video": true},
		"jsep":  map[string]any{"type": "offer", "sdp": offer},
	}, "ack"); err != nil {
		return sid, fmt.Errorf("joinandconfigure: %w", err)
	}
	joined, err := j.waitEvent(ctx, sid, "publisher joined with answer", func(m jmsg) bool {
		return id(m, "sender") == pubH && pluginData(m)["videoroom"] == "joined" && jsepOf(m, "answer") != ""
	})
	if err != nil {
		return sid, err
	}
	feed := id(jmsg(pluginData(joined)), "id")
	if err := pub.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: jsepOf(joined, "answer")}); err != nil {
		return sid, fmt.Errorf("publisher answer: %w", err)
	}
	if err := pub.waitConnected(ctx); err != nil {
		return sid, fmt.Errorf("publisher: %w", err)
	}
	pub.send()

	// Subscriber.
	subH, err := attach()
	if err != nil {
		return sid, err
	}
	if _, err := j.request(ctx, sid, subH, jmsg{
		"janus": "message",
		"body":  map[string]any{"request": "join", "room": videoRoomRoom, "ptype": "subscriber", "streams": []any{map[string]any{"feed": feed}}},
	}, "ack"); err != nil {
		return sid, fmt.Errorf("subscriber join: %w", err)
	}
	attached, err := j.waitEvent(ctx, sid, "subscriber offer", func(m jmsg) bool {
		return id(m, "sender") == subH && jsepOf(m, "offer") != ""
	})
	if err != nil {
		return sid, err
	}
	sub, err := newReceiver()
	if err != nil {
		return sid, err
	}
	defer func() { err = errors.Join(err, sub.close()) }()
	answer, err := sub.answer(ctx, jsepOf(attached, "offer"))
	if err != nil {
		return sid, err
	}
	if _, err := j.request(ctx, sid, subH, jmsg{
		"janus": "message",
		"body":  map[string]any{"request": "start"},
		"jsep":  map[string]any{"type": "answer", "sdp": answer},
	}, "ack"); err != nil {
		return sid, fmt.Errorf("start: %w", err)
	}
	if err := sub.waitConnected(ctx); err != nil {
		return sid, fmt.Errorf("subscriber: %w", err)
	}

	select {
	case <-time.After(mediaFor):
	case <-ctx.Done():
		return sid, ctx.Err()
	}
	pub.stopSending()
	for _, h := range []uint64{subH, pubH} {
		if _, err := j.request(ctx, sid, h, jmsg{"janus": "hangup"}, "success"); err != nil {
			return sid, fmt.Errorf("hangup %d: %w", h, err)
		}
		if _, err := j.request(ctx, sid, h, jmsg{"janus": "detach"}, "success"); err != nil {
			return sid, fmt.Errorf("detach %d: %w", h, err)
		}
	}
	if _, err := j.request(ctx, sid, 0, jmsg{"janus": "destroy"}, "success"); err != nil {
		return sid, fmt.Errorf("destroy: %w", err)
	}
	return sid, nil
}
