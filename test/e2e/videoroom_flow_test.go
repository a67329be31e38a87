package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"
)

// vrUser is one VideoRoom client: a Janus session over WebSocket, a
// publisher handle and its subscriber handles.
type vrUser struct {
	name   string
	marker byte
	c      janusClient
	in     *vrInbox
	sid    uint64

	pubHID    uint64
	feed      uint64
	privateID uint64
	pub       *vrPublisherPeer
	noNACK    bool // publish VP8 without generic NACK
	closeOnce sync.Once
	pubMids   map[string]string // kind → publisher-side mid, from "configured"
	subs      []*vrSub
}

// vrSub is one subscriber handle of a user.
type vrSub struct {
	hid   uint64
	peer  *vrSubscriberPeer
	feeds map[string]uint64 // subscriber mid → feed id
	kinds map[string]string // subscriber mid → type
}

func newVRUser(ctx context.Context, t *testing.T, srv *vrServer, name string, marker byte) (*vrUser, error) {
	c, err := dialWS(ctx, srv.wsURL)
	if err != nil {
		return nil, err
	}
	u := &vrUser{name: name, marker: marker, c: c, in: newVRInbox(c)}
	t.Cleanup(u.close)
	res, err := expectKindOf("success")(c.Request(ctx, 0, 0, msg{"janus": "create"}))
	if err != nil {
		return nil, fmt.Errorf("%s create: %w", name, err)
	}
	u.sid = u64(field(res, "data", "id"))
	if u.pubHID, err = u.attach(ctx); err != nil {
		return nil, err
	}
	return u, nil
}

func (u *vrUser) close() { u.closeOnce.Do(u.doClose) }

func (u *vrUser) doClose() {
	// Destroy the Janus session first, so Argus closes its PeerConnections
	// itself before the clients hang up theirs.
	if u.sid != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = u.c.Request(ctx, u.sid, 0, msg{"janus": "destroy"})
		cancel()
	}
	for _, s := range u.subs {
		s.peer.close()
	}
	if u.pub != nil {
		u.pub.close()
	}
	u.in.close()
	u.c.Close()
}

// attach attaches a VideoRoom handle.
func (u *vrUser) attach(ctx context.Context) (uint64, error) {
	res, err := expectKindOf("success")(u.c.Request(ctx, u.sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.videoroom", "opaque_id": "videoroom-e2e-" + u.name}))
	if err != nil {
		return 0, fmt.Errorf("%s attach: %w", u.name, err)
	}
	return u64(field(res, "data", "id")), nil
}

// sync sends a synchronous request and returns plugindata.data.
func (u *vrUser) sync(ctx context.Context, hid uint64, body msg) (map[string]any, error) {
	res, err := expectKindOf("success")(u.c.Request(ctx, u.sid, hid, msg{"janus": "message", "body": body}))
	if err != nil {
		return nil, err
	}
	return pluginData(res), nil
}

// async sends a message (with an optional JSEP), expects the ack, and
// returns the event carrying its transaction.
func (u *vrUser) async(ctx context.Context, hid uint64, body msg, jsep msg) (msg, error) {
	req := msg{"janus": "message", "body": body}
	if jsep != nil {
		req["jsep"] = jsep
	}
	res, err := expectKindOf("ack")(u.c.Request(ctx, u.sid, hid, req))
	if err != nil {
		return nil, fmt.Errorf("%s %v: %w", u.name, body["request"], err)
	}
	tx, _ := res["transaction"].(string)
	ev, err := u.in.wait(ctx, fmt.Sprintf("%s %v answer", u.name, body["request"]), func(m msg) bool {
		return kind(m) == "event" && m["transaction"] == tx
	})
	if err != nil {
		return nil, err
	}
	if d := pluginData(ev); d["error_code"] != nil {
		return ev, fmt.Errorf("%s %v: error %v", u.name, body["request"], jsonString(d))
	}
	return ev, nil
}

// newVRPublisher is newVRUser then joinAndPublish, failing t on an error.
func newVRPublisher(ctx context.Context, t *testing.T, srv *vrServer, name string, marker byte) *vrUser {
	t.Helper()
	u, err := newVRUser(ctx, t, srv, name, marker)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.joinAndPublish(ctx); err != nil {
		t.Fatal(err)
	}
	return u
}

// newVRViewer is newVRUser then a subscription to feeds, failing t on an
// error.
func newVRViewer(ctx context.Context, t *testing.T, srv *vrServer, name string, marker byte, feeds ...uint64) (*vrUser, *vrSub) {
	t.Helper()
	u, err := newVRUser(ctx, t, srv, name, marker)
	if err != nil {
		t.Fatal(err)
	}
	s, err := u.subscribe(ctx, feeds...)
	if err != nil {
		t.Fatal(err)
	}
	return u, s
}

// joinAndPublish joins room 1234 as a publisher and publishes Opus + VP8.
func (u *vrUser) joinAndPublish(ctx context.Context) (map[string]any, error) {
	return u.publishWith(ctx, "configure")
}

// publishWith joins and publishes with request "configure" or "publish"
// after a join, or with a single "joinandconfigure".
func (u *vrUser) publishWith(ctx context.Context, how string) (map[string]any, error) {
	var joined map[string]any
	if how != "joinandconfigure" {
		ev, err := u.async(ctx, u.pubHID, msg{"request": "join", "ptype": "publisher", "room": 1234, "display": u.name}, nil)
		if err != nil {
			return nil, err
		}
		joined = pluginData(ev)
		if joined["videoroom"] != "joined" {
			return nil, fmt.Errorf("join: %s", jsonString(joined))
		}
		u.feed, u.privateID = u64(joined["id"]), u64(joined["private_id"])
	}
	var err error
	if u.pub, err = newVRPublisherPeer(u.name, u.marker, !u.noNACK); err != nil {
		return nil, err
	}
	sdp, err := u.pub.Offer(ctx, true)
	if err != nil {
		return nil, err
	}
	body := msg{"request": how, "audio": true, "video": true}
	if how == "joinandconfigure" {
		body = msg{"request": how, "ptype": "publisher", "room": 1234, "display": u.name}
	}
	ev, err := u.async(ctx, u.pubHID, body, msg{"type": "offer", "sdp": sdp})
	if err != nil {
		return nil, err
	}
	if how == "joinandconfigure" {
		joined = pluginData(ev)
		if joined["videoroom"] != "joined" || field(ev, "jsep", "type") != "answer" {
			return nil, fmt.Errorf("joinandconfigure: %s", jsonString(ev))
		}
		u.feed, u.privateID = u64(joined["id"]), u64(joined["private_id"])
	} else if d := pluginData(ev); d["configured"] != "ok" || field(ev, "jsep", "type") != "answer" {
		return nil, fmt.Errorf("%s: %s", how, jsonString(ev))
	}
	u.pubMids = map[string]string{}
	list, _ := pluginData(ev)["streams"].([]any)
	for _, x := range list {
		st, _ := x.(map[string]any)
		k, _ := st["type"].(string)
		u.pubMids[k], _ = st["mid"].(string)
	}
	if u.pubMids["data"] == "" {
		return nil, fmt.Errorf("configure: no data stream in %s", jsonString(ev))
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := u.pub.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		return nil, err
	}
	if err := waitPCConnected(ctx, u.pub.pc); err != nil {
		return nil, fmt.Errorf("%s publisher: %w", u.name, err)
	}
	// The plugin publishes at webrtcup (before the core pushes it).
	if _, err := u.in.wait(ctx, u.name+" webrtcup", fromHandle(u.pubHID, "webrtcup")); err != nil {
		return nil, err
	}
	u.pub.startSending()
	return joined, nil
}

// renegotiate offers the published PeerConnection as it is now with a
// configure request, and applies the answer.
func (u *vrUser) renegotiate(ctx context.Context) error {
	sdp, err := u.pub.Offer(ctx, true)
	if err != nil {
		return err
	}
	ev, err := u.async(ctx, u.pubHID, msg{"request": "configure"}, msg{"type": "offer", "sdp": sdp})
	if err != nil {
		return err
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	return u.pub.SetAnswer(answer)
}

// subscribe attaches a subscriber handle receiving every stream of feeds.
func (u *vrUser) subscribe(ctx context.Context, feeds ...uint64) (*vrSub, error) {
	hid, err := u.attach(ctx)
	if err != nil {
		return nil, err
	}
	streams := make([]any, 0, len(feeds))
	for _, f := range feeds {
		streams = append(streams, map[string]any{"feed": f})
	}
	ev, err := u.async(ctx, hid, msg{"request": "join", "ptype": "subscriber", "room": 1234, "private_id": u.privateID, "streams": streams}, nil)
	if err != nil {
		return nil, err
	}
	d := pluginData(ev)
	if d["videoroom"] != "attached" || field(ev, "jsep", "type") != "offer" {
		return nil, fmt.Errorf("subscribe: %s", jsonString(ev))
	}
	peer, err := newVRSubscriberPeer()
	if err != nil {
		return nil, err
	}
	s := &vrSub{hid: hid, peer: peer}
	u.subs = append(u.subs, s)
	s.noteStreams(d)
	offer, _ := field(ev, "jsep", "sdp").(string)
	if err := s.answer(ctx, u, offer); err != nil {
		return nil, err
	}
	return s, waitPCConnected(ctx, peer.pc)
}

// noteStreams records the mid → feed map of a subscription answer.
func (s *vrSub) noteStreams(d map[string]any) {
	s.feeds, s.kinds = map[string]uint64{}, map[string]string{}
	list, _ := d["streams"].([]any)
	for _, x := range list {
		st, _ := x.(map[string]any)
		if st["active"] != true || st["type"] == "data" {
			continue
		}
		mid, _ := st["mid"].(string)
		s.feeds[mid] = u64(st["feed_id"])
		s.kinds[mid], _ = st["type"].(string)
	}
}

// answer applies Argus's offer (testpeer's SetOffer: a reused m-line
// receives again, as in a browser) and sends "start" with the answer.
func (s *vrSub) answer(ctx context.Context, u *vrUser, offer string) error {
	if err := s.peer.SetOffer(offer); err != nil {
		return err
	}
	a, err := s.peer.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	sdp, err := gathered(ctx, s.peer.pc, a)
	if err != nil {
		return err
	}
	ev, err := u.async(ctx, s.hid, msg{"request": "start"}, msg{"type": "answer", "sdp": sdp})
	if err != nil {
		return err
	}
	if d := pluginData(ev); d["started"] != "ok" {
		return fmt.Errorf("start: %s", jsonString(ev))
	}
	return nil
}

// midOf returns the subscriber mid receiving kind from feed.
func (s *vrSub) midOf(feed uint64, kind string) string {
	for mid, f := range s.feeds {
		if f == feed && s.kinds[mid] == kind {
			return mid
		}
	}
	return ""
}

// waitMedia waits until every subscribed m-line received n packets more
// than when it was called.
func (s *vrSub) waitMedia(ctx context.Context, n int64) error {
	return s.waitSince(ctx, s.snapshot(), n)
}

// snapshot returns the packets received so far per subscribed mid.
func (s *vrSub) snapshot() map[string]int64 {
	base := map[string]int64{}
	for mid := range s.feeds {
		base[mid] = s.peer.track(mid).packets.Load()
	}
	return base
}

// waitSince waits until every subscribed m-line received n packets more
// than in base.
func (s *vrSub) waitSince(ctx context.Context, base map[string]int64, n int64) error {
	for {
		done := true
		for mid := range s.feeds {
			if s.peer.track(mid).packets.Load() < base[mid]+n {
				done = false
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			got := map[string]int64{}
			for mid := range s.feeds {
				got[mid] = s.peer.track(mid).packets.Load()
			}
			return fmt.Errorf("media on %v: %v (base %v): %w", s.feeds, got, base, ctx.Err())
		case <-waitTick():
		}
	}
}
