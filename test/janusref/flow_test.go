package janusref

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/testpeer"
)

// target is one server the flow runs against.
type target struct {
	name    string
	url     string     // Janus API over HTTP
	admin   string     // Admin API over HTTP
	peerNet *net.IPNet // where client peers gather candidates (nil: loopback)
	events  *collector
}

// client is one Janus API connection with its event inbox.
type client struct {
	c  janusclient.Client
	in *janusclient.Inbox
	s  *janusclient.Session
}

func (tg *target) connect(ctx context.Context) (*client, error) {
	c, err := janusclient.Dial(ctx, tg.url, janusclient.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: dial: %w", tg.name, err)
	}
	in := janusclient.NewInbox(c)
	s, err := janusclient.Create(ctx, c)
	if err != nil {
		in.Close()
		c.Close()
		return nil, fmt.Errorf("%s: %w", tg.name, err)
	}
	return &client{c: c, in: in, s: s}, nil
}

func (cl *client) close() {
	cl.in.Close()
	cl.c.Close()
}

// wait waits for an asynchronous message of kind on handle hid.
func (cl *client) wait(ctx context.Context, hid uint64, kind string) (janusclient.Msg, error) {
	return cl.in.Wait(ctx, kind, janusclient.From(hid, kind))
}

// peer builds a pion client peer gathering on tg's network; sending
// adds audio and video tracks, data a data channel.
func (tg *target) peer(sending, data bool) (*testpeer.Peer, error) {
	p, err := testpeer.New(testpeer.Config{
		Audio: sending, Video: sending, Feedback: testpeer.BrowserFeedback(), Interceptors: true, AudioLevel: sending,
		DataChannel: data, Network: tg.peerNet,
	})
	if err != nil {
		return nil, fmt.Errorf("test peer: %w", err)
	}
	return p, nil
}

// trickle sends every local candidate of p, then "completed".
func trickle(ctx context.Context, h *janusclient.Handle, p *testpeer.Peer) error {
	for {
		var cand map[string]any
		select {
		case c := <-p.Candidates():
			if c != nil {
				cand = map[string]any{"candidate": c.Candidate, "sdpMid": c.SDPMid, "sdpMLineIndex": c.SDPMLineIndex}
			}
		case <-ctx.Done():
			return fmt.Errorf("gathering: %w", ctx.Err())
		}
		if err := h.Trickle(ctx, cand); err != nil {
			return err
		}
		if cand == nil {
			return nil
		}
	}
}

// waitReceived waits until p got n packets of each kind.
func waitReceived(ctx context.Context, p *testpeer.Peer, n int64) error {
	for p.Received("audio").Packets.Load() < n || p.Received("video").Packets.Load() < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("received audio %d video %d of %d: %w",
				p.Received("audio").Packets.Load(), p.Received("video").Packets.Load(), n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// waitReports waits until the server reported media statistics (type 32
// subtype 3) for handle hid at least n times.
func (tg *target) waitReports(ctx context.Context, hid uint64, n int) error {
	return tg.events.wait(ctx, fmt.Sprintf("%d media reports of handle %d", n, hid), func(evs []event) bool {
		got := 0
		for _, e := range evs {
			if e.num("type") == 32 && e.num("subtype") == 3 && e.num("handle_id") == hid {
				got++
			}
		}
		return got >= n
	})
}

// echoFlow: create, attach the EchoTest, offer audio, video and a data
// channel, trickle, media and a data channel message echoed, until the
// server reported statistics, a configure message, hangup,
// detach, destroy. It returns the session id.
func (tg *target) echoFlow(ctx context.Context) (uint64, error) {
	cl, err := tg.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer cl.close()
	h, err := cl.s.Attach(ctx, "janus.plugin.echotest", "janusref-echotest")
	if err != nil {
		return 0, err
	}
	p, err := tg.peer(true, true)
	if err != nil {
		return 0, err
	}
	defer func() { _ = p.Close() }()
	offer, err := p.Offer(ctx, false)
	if err != nil {
		return 0, err
	}
	ev, err := h.Message(ctx, cl.in, map[string]any{"audio": true, "video": true}, janusclient.JSEP("offer", offer, true))
	if err != nil {
		return 0, err
	}
	sdp, _ := ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "result") != "ok" || sdp == "" {
		return 0, fmt.Errorf("echotest answer: %s", ev)
	}
	if err := p.SetAnswer(sdp); err != nil {
		return 0, err
	}
	if err := trickle(ctx, h, p); err != nil {
		return 0, err
	}
	if _, err := cl.wait(ctx, h.ID, "webrtcup"); err != nil {
		return 0, err
	}
	if err := p.WaitConnected(ctx); err != nil {
		return 0, err
	}
	p.Start(testpeer.Browser20ms())
	if err := waitReceived(ctx, p, 25); err != nil {
		return 0, err
	}
	select {
	case <-p.DataOpen():
	case <-ctx.Done():
		return 0, fmt.Errorf("data channel: %w", ctx.Err())
	}
	if err := p.DC.SendText("janusref"); err != nil {
		return 0, fmt.Errorf("data channel: %w", err)
	}
	select {
	case <-p.DataMessages():
	case <-ctx.Done():
		return 0, fmt.Errorf("data channel echo: %w", ctx.Err())
	}
	if err := tg.waitReports(ctx, h.ID, 4); err != nil {
		return 0, err
	}
	ev, err = h.Message(ctx, cl.in, map[string]any{"audio": true, "video": false, "bitrate": 256000}, nil)
	if err != nil {
		return 0, err
	}
	if ev.Field("plugindata", "data", "result") != "ok" {
		return 0, fmt.Errorf("echotest configure: %s", ev)
	}
	if err := h.Hangup(ctx); err != nil {
		return 0, err
	}
	if _, err := cl.wait(ctx, h.ID, "hangup"); err != nil {
		return 0, err
	}
	if err := h.Detach(ctx); err != nil {
		return 0, err
	}
	if _, err := cl.wait(ctx, h.ID, "detached"); err != nil {
		return 0, err
	}
	return cl.s.ID, cl.s.Destroy(ctx)
}

// publisher is a VideoRoom publisher with media flowing.
type publisher struct {
	cl   *client
	h    *janusclient.Handle
	peer *testpeer.Peer
	feed uint64
}

// publish joins room 1234 as display on a new session and publishes
// audio and video; the caller closes p.peer and p.cl.
func (tg *target) publish(ctx context.Context, display string) (*publisher, error) {
	cl, err := tg.connect(ctx)
	if err != nil {
		return nil, err
	}
	p := &publisher{cl: cl}
	if p.h, err = cl.s.Attach(ctx, "janus.plugin.videoroom", "janusref-"+display); err != nil {
		return p, err
	}
	ev, err := p.h.Message(ctx, cl.in, map[string]any{"request": "join", "ptype": "publisher", "room": 1234, "display": display}, nil)
	if err != nil {
		return p, err
	}
	p.feed = janusclient.Uint(ev.Field("plugindata", "data", "id"))
	if ev.Field("plugindata", "data", "videoroom") != "joined" || p.feed == 0 {
		return p, fmt.Errorf("join: %s", ev)
	}
	if p.peer, err = tg.peer(true, false); err != nil {
		return p, err
	}
	offer, err := p.peer.Offer(ctx, false)
	if err != nil {
		return p, err
	}
	ev, err = p.h.Message(ctx, cl.in, map[string]any{"request": "publish", "audio": true, "video": true}, janusclient.JSEP("offer", offer, true))
	if err != nil {
		return p, err
	}
	sdp, _ := ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "configured") != "ok" || sdp == "" {
		return p, fmt.Errorf("publish: %s", ev)
	}
	if err := p.peer.SetAnswer(sdp); err != nil {
		return p, err
	}
	if err := trickle(ctx, p.h, p.peer); err != nil {
		return p, err
	}
	if _, err := cl.wait(ctx, p.h.ID, "webrtcup"); err != nil {
		return p, err
	}
	if err := p.peer.WaitConnected(ctx); err != nil {
		return p, err
	}
	p.peer.Start(testpeer.Browser20ms())
	return p, nil
}

// close ends the publisher's peer and client.
func (p *publisher) close() {
	if p.peer != nil {
		_ = p.peer.Close()
	}
	p.cl.close()
}

// request sends a VideoRoom request on h and checks the answer's key.
func request(ctx context.Context, cl *client, h *janusclient.Handle, name, key string) error {
	ev, err := h.Message(ctx, cl.in, map[string]any{"request": name}, nil)
	if err != nil {
		return err
	}
	if ev.Field("plugindata", "data", key) == nil {
		return fmt.Errorf("%s: %s", name, ev)
	}
	return nil
}

// end detaches h (waiting for "detached") and destroys its session.
func end(ctx context.Context, cl *client, h *janusclient.Handle) error {
	if err := h.Detach(ctx); err != nil {
		return err
	}
	if _, err := cl.wait(ctx, h.ID, "detached"); err != nil {
		return err
	}
	return cl.s.Destroy(ctx)
}

// roomFlow: VideoRoom publishers "pub" and "pub2" join room 1234 and
// publish audio and video; a subscriber (another session) receives pub's
// feed; pub talks, then stops; pub's video is muted and unmuted, a room
// is created, edited and destroyed, a guest is kicked; the subscriber
// leaves; pub2 unpublishes, then leaves; pub leaves while
// publishing; each detaches and destroys its session. It returns the
// session ids.
func (tg *target) roomFlow(ctx context.Context) ([]uint64, error) {
	var ids []uint64
	pub, err := tg.publish(ctx, "pub")
	if pub != nil {
		defer pub.close()
		ids = append(ids, pub.cl.s.ID)
	}
	if err != nil {
		return ids, fmt.Errorf("pub: %w", err)
	}
	pub2, err := tg.publish(ctx, "pub2")
	if pub2 != nil {
		defer pub2.close()
		ids = append(ids, pub2.cl.s.ID)
	}
	if err != nil {
		return ids, fmt.Errorf("pub2: %w", err)
	}

	subc, err := tg.connect(ctx)
	if err != nil {
		return ids, err
	}
	defer subc.close()
	ids = append(ids, subc.s.ID)
	sh, err := subc.s.Attach(ctx, "janus.plugin.videoroom", "janusref-subscriber")
	if err != nil {
		return ids, err
	}
	ev, err := sh.Message(ctx, subc.in, map[string]any{"request": "join", "ptype": "subscriber", "room": 1234,
		"streams": []any{map[string]any{"feed": pub.feed}}}, nil)
	if err != nil {
		return ids, err
	}
	sdp, _ := ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "videoroom") != "attached" || sdp == "" {
		return ids, fmt.Errorf("subscribe: %s", ev)
	}
	sp, err := tg.peer(false, false)
	if err != nil {
		return ids, err
	}
	defer func() { _ = sp.Close() }()
	answer, err := sp.Answer(ctx, sdp)
	if err != nil {
		return ids, err
	}
	ev, err = sh.Message(ctx, subc.in, map[string]any{"request": "start"}, janusclient.JSEP("answer", answer, false))
	if err != nil {
		return ids, err
	}
	if ev.Field("plugindata", "data", "started") != "ok" {
		return ids, fmt.Errorf("start: %s", ev)
	}
	if _, err := subc.wait(ctx, sh.ID, "webrtcup"); err != nil {
		return ids, err
	}
	if err := waitReceived(ctx, sp, 25); err != nil {
		return ids, fmt.Errorf("subscriber: %w", err)
	}
	if err := tg.waitReports(ctx, sh.ID, 2); err != nil {
		return ids, err
	}

	// pub talks (audio level 10 -dBov), then is silent again (127).
	for _, loud := range []bool{true, false} {
		pub.peer.Loud.Store(loud)
		what := map[bool]string{true: "talking", false: "stopped-talking"}[loud]
		if err := tg.events.wait(ctx, what, func(evs []event) bool {
			for _, e := range evs {
				d, _ := e.body()["data"].(map[string]any)
				if e.num("type") == 64 && e.num("handle_id") == pub.h.ID && d["videoroom"] == what {
					return true
				}
			}
			return false
		}); err != nil {
			return ids, err
		}
	}

	// Requests answered at once, each with its event: moderation of pub's
	// video, a room created, edited and destroyed, a joined guest kicked.
	guest, err := tg.connect(ctx)
	if err != nil {
		return ids, err
	}
	defer guest.close()
	ids = append(ids, guest.s.ID)
	gh, err := guest.s.Attach(ctx, "janus.plugin.videoroom", "janusref-guest")
	if err != nil {
		return ids, err
	}
	ev, err = gh.Message(ctx, guest.in, map[string]any{"request": "join", "ptype": "publisher", "room": 1234, "display": "guest"}, nil)
	if err != nil {
		return ids, err
	}
	guestFeed := janusclient.Uint(ev.Field("plugindata", "data", "id"))
	for _, body := range []map[string]any{
		{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": pub.feed, "mid": "1", "mute": true},
		{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": pub.feed, "mid": "1", "mute": false},
		{"request": "create", "room": 5555, "description": "janusref"},
		{"request": "edit", "room": 5555, "new_description": "janusref edited"},
		{"request": "destroy", "room": 5555},
		{"request": "kick", "room": 1234, "secret": "adminpwd", "id": guestFeed},
	} {
		ev, err := pub2.h.Message(ctx, pub2.cl.in, body, nil)
		if err != nil {
			return ids, err
		}
		if ev.Field("plugindata", "data", "error_code") != nil || ev.Field("plugindata", "data", "videoroom") == nil {
			return ids, fmt.Errorf("%s: %s", body["request"], ev)
		}
	}
	if err := end(ctx, guest, gh); err != nil {
		return ids, err
	}

	// A leave or unpublish closes the PeerConnection; the flow waits for
	// its hangup, or a detach right after it could overtake it (Janus
	// then reports no hangup at all).
	steps := []struct {
		cl        *client
		h         *janusclient.Handle
		name, key string
		hangup    bool
	}{
		{subc, sh, "leave", "left", true},
		{pub2.cl, pub2.h, "unpublish", "unpublished", true},
		{pub2.cl, pub2.h, "leave", "leaving", false},
		{pub.cl, pub.h, "leave", "leaving", false},
	}
	for _, st := range steps {
		if err := request(ctx, st.cl, st.h, st.name, st.key); err != nil {
			return ids, err
		}
		if st.hangup {
			if _, err := st.cl.wait(ctx, st.h.ID, "hangup"); err != nil {
				return ids, fmt.Errorf("%s: %w", st.name, err)
			}
		}
	}
	for _, x := range []struct {
		cl *client
		h  *janusclient.Handle
	}{{subc, sh}, {pub2.cl, pub2.h}, {pub.cl, pub.h}} {
		if err := end(ctx, x.cl, x.h); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// adminFlow: Admin API requests with events: a custom event, and a
// VideoRoom room created and destroyed through message_plugin (events
// without a handle).
func (tg *target) adminFlow(ctx context.Context) error {
	c := janusclient.NewHTTP(tg.admin, janusclient.Options{})
	defer c.Close()
	for _, req := range []janusclient.Msg{
		{"janus": "message_plugin", "plugin": "janus.plugin.videoroom", "request": map[string]any{"request": "create", "room": 7777}},
		{"janus": "message_plugin", "plugin": "janus.plugin.videoroom", "request": map[string]any{"request": "destroy", "room": 7777}},
		{"janus": "custom_event", "schema": "janusref", "data": map[string]any{"n": 1, "s": "x", "ok": true}},
	} {
		req["admin_secret"] = adminSecret
		res, err := c.Request(ctx, 0, 0, req)
		if err != nil {
			return fmt.Errorf("admin %s: %w", req["janus"], err)
		}
		if res.Kind() != "success" || res.Field("response", "error_code") != nil {
			return fmt.Errorf("admin %s: %s", req["janus"], res)
		}
	}
	return tg.events.wait(ctx, "custom event", func(evs []event) bool {
		for _, e := range evs {
			if e.num("type") == 4 {
				return true
			}
		}
		return false
	})
}

// run runs the flows and waits until the server reported every session
// destroyed (its events are delivered in order, so the rest came before).
func (tg *target) run(ctx context.Context) error {
	if err := tg.adminFlow(ctx); err != nil {
		return fmt.Errorf("%s: %w", tg.name, err)
	}
	echo, err := tg.echoFlow(ctx)
	if err != nil {
		return fmt.Errorf("%s: echotest: %w", tg.name, err)
	}
	room, err := tg.roomFlow(ctx)
	if err != nil {
		return fmt.Errorf("%s: videoroom: %w", tg.name, err)
	}
	sids := append([]uint64{echo}, room...)
	return tg.events.wait(ctx, "sessions destroyed", func(evs []event) bool {
		for _, sid := range sids {
			if !has(evs, 1, sid, "name", "destroyed") {
				return false
			}
		}
		return true
	})
}
