package janusref

import (
	"context"
	"encoding/json"
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

// member is one VideoRoom handle on its own session, with its peer.
type member struct {
	cl   *client
	h    *janusclient.Handle
	peer *testpeer.Peer
	feed uint64 // a publisher's id
}

// join attaches to the VideoRoom as opaque "janusref-<name>" on a new
// session and sends join with body; the caller closes m (also on error).
func (tg *target) join(ctx context.Context, name string, body map[string]any) (*member, janusclient.Msg, error) {
	cl, err := tg.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := &member{cl: cl}
	if m.h, err = cl.s.Attach(ctx, "janus.plugin.videoroom", "janusref-"+name); err != nil {
		return m, nil, err
	}
	body["request"], body["room"] = "join", 1234
	ev, err := m.h.Message(ctx, cl.in, body, nil)
	if err != nil {
		return m, nil, fmt.Errorf("%s: join: %w", name, err)
	}
	if ev.Field("plugindata", "data", "error_code") != nil {
		return m, nil, fmt.Errorf("%s: join: %s", name, ev)
	}
	m.feed = janusclient.Uint(ev.Field("plugindata", "data", "id"))
	return m, ev, nil
}

// publish joins room 1234 as display and publishes audio and video.
func (tg *target) publish(ctx context.Context, display string) (*member, error) {
	m, _, err := tg.join(ctx, display, map[string]any{"ptype": "publisher", "display": display})
	if err != nil {
		return m, err
	}
	if m.peer, err = tg.peer(true, false); err != nil {
		return m, err
	}
	offer, err := m.peer.Offer(ctx, false)
	if err != nil {
		return m, err
	}
	ev, err := m.h.Message(ctx, m.cl.in, map[string]any{"request": "publish", "audio": true, "video": true}, janusclient.JSEP("offer", offer, true))
	if err != nil {
		return m, err
	}
	sdp, _ := ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "configured") != "ok" || sdp == "" {
		return m, fmt.Errorf("publish: %s", ev)
	}
	if err := m.peer.SetAnswer(sdp); err != nil {
		return m, err
	}
	if err := trickle(ctx, m.h, m.peer); err != nil {
		return m, err
	}
	if _, err := m.cl.wait(ctx, m.h.ID, "webrtcup"); err != nil {
		return m, err
	}
	if err := m.peer.WaitConnected(ctx); err != nil {
		return m, err
	}
	m.peer.Start(testpeer.Browser20ms())
	return m, nil
}

// subscribe joins as a subscriber of feed and waits for its media and
// media reports.
func (tg *target) subscribe(ctx context.Context, feed uint64) (*member, error) {
	m, ev, err := tg.join(ctx, "subscriber", map[string]any{"ptype": "subscriber", "streams": []any{map[string]any{"feed": feed}}})
	if err != nil {
		return m, err
	}
	sdp, _ := ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "videoroom") != "attached" || sdp == "" {
		return m, fmt.Errorf("subscribe: %s", ev)
	}
	if m.peer, err = tg.peer(false, false); err != nil {
		return m, err
	}
	answer, err := m.peer.Answer(ctx, sdp)
	if err != nil {
		return m, err
	}
	ev, err = m.h.Message(ctx, m.cl.in, map[string]any{"request": "start"}, janusclient.JSEP("answer", answer, false))
	if err != nil {
		return m, err
	}
	if ev.Field("plugindata", "data", "started") != "ok" {
		return m, fmt.Errorf("start: %s", ev)
	}
	if _, err := m.cl.wait(ctx, m.h.ID, "webrtcup"); err != nil {
		return m, err
	}
	if err := waitReceived(ctx, m.peer, 25); err != nil {
		return m, fmt.Errorf("subscriber: %w", err)
	}
	return m, tg.waitReports(ctx, m.h.ID, 2)
}

// close ends the member's peer and client.
func (m *member) close() {
	if m.peer != nil {
		_ = m.peer.Close()
	}
	m.cl.close()
}

// request sends a VideoRoom request and checks the answer's key.
func (m *member) request(ctx context.Context, body map[string]any, key string) error {
	ev, err := m.h.Message(ctx, m.cl.in, body, nil)
	if err != nil {
		return err
	}
	if ev.Field("plugindata", "data", "error_code") != nil || ev.Field("plugindata", "data", key) == nil {
		return fmt.Errorf("%s: %s", body["request"], ev)
	}
	return nil
}

// end detaches the handle (waiting for "detached") and destroys the
// session.
func (m *member) end(ctx context.Context) error {
	if err := m.h.Detach(ctx); err != nil {
		return err
	}
	if _, err := m.cl.wait(ctx, m.h.ID, "detached"); err != nil {
		return err
	}
	return m.cl.s.Destroy(ctx)
}

// talk makes pub talk (audio level 10 -dBov), then silent again (127),
// and waits for the server's talking and stopped-talking events.
//
// The average an event carries is taken over a window of
// audio_active_packets (25) that may straddle the client's switch, on
// either server: talking reads 10 for a window of loud packets only and
// up to (22*10+3*127)/25 = 24.04 for one that straddles; stopped-talking
// reads 127 or down to 25.x. What is certain is the side of
// audio_level_average (25) each lands on, and that is checked here, for
// Janus and Argus alike; the comparison allowlists the value itself.
func (tg *target) talk(ctx context.Context, pub *member) error {
	for _, loud := range []bool{true, false} {
		pub.peer.Loud.Store(loud)
		what := map[bool]string{true: "talking", false: "stopped-talking"}[loud]
		var avg any
		if err := tg.events.wait(ctx, what, func(evs []event) bool {
			for _, e := range evs {
				d, _ := e.body()["data"].(map[string]any)
				if e.num("type") == 64 && e.num("handle_id") == pub.h.ID && d["videoroom"] == what {
					avg = d["audio-level-dBov-avg"]
					return true
				}
			}
			return false
		}); err != nil {
			return err
		}
		n, ok := avg.(json.Number)
		v, err := n.Float64()
		ok = ok && err == nil
		want := v >= 10 && v < 25 // talking
		if !loud {
			want = v >= 25 && v <= 127
		}
		if !ok || !want {
			return fmt.Errorf("%s: %s with audio-level-dBov-avg %v: want %s", tg.name, what, avg,
				map[bool]string{true: "10 <= avg < 25", false: "25 <= avg <= 127"}[loud])
		}
	}
	return nil
}

// roomRequests: requests answered at once, each with its event, sent on
// by's handle: moderation of pub's video, a room created, edited and
// destroyed, a joined guest kicked. It returns the guest's session id.
func (tg *target) roomRequests(ctx context.Context, by *member, pub uint64) (uint64, error) {
	guest, _, err := tg.join(ctx, "guest", map[string]any{"ptype": "publisher", "display": "guest"})
	if guest == nil {
		return 0, err
	}
	defer guest.close()
	if err != nil {
		return guest.cl.s.ID, err
	}
	for _, body := range []map[string]any{
		{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": pub, "mid": "1", "mute": true},
		{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": pub, "mid": "1", "mute": false},
		{"request": "create", "room": 5555, "description": "janusref"},
		{"request": "edit", "room": 5555, "new_description": "janusref edited"},
		{"request": "destroy", "room": 5555},
		{"request": "kick", "room": 1234, "secret": "adminpwd", "id": guest.feed},
	} {
		if err := by.request(ctx, body, "videoroom"); err != nil {
			return guest.cl.s.ID, err
		}
	}
	return guest.cl.s.ID, guest.end(ctx)
}

// roomFlow: VideoRoom publishers "pub" and "pub2" join room 1234 and
// publish audio and video; a subscriber (another session) receives pub's
// feed; pub talks, then stops; roomRequests; the subscriber leaves; pub2
// unpublishes, then leaves; pub leaves while publishing; each detaches
// and destroys its session. It returns the session ids.
func (tg *target) roomFlow(ctx context.Context) ([]uint64, error) {
	var ids []uint64
	var ms []*member
	defer func() {
		for _, m := range ms {
			m.close()
		}
	}()
	add := func(m *member, err error) (*member, error) {
		if m != nil {
			ms = append(ms, m)
			ids = append(ids, m.cl.s.ID)
		}
		return m, err
	}
	pub, err := add(tg.publish(ctx, "pub"))
	if err != nil {
		return ids, fmt.Errorf("pub: %w", err)
	}
	pub2, err := add(tg.publish(ctx, "pub2"))
	if err != nil {
		return ids, fmt.Errorf("pub2: %w", err)
	}
	sub, err := add(tg.subscribe(ctx, pub.feed))
	if err != nil {
		return ids, err
	}
	if err := tg.talk(ctx, pub); err != nil {
		return ids, err
	}
	guest, err := tg.roomRequests(ctx, pub2, pub.feed)
	if guest != 0 {
		ids = append(ids, guest)
	}
	if err != nil {
		return ids, err
	}
	// A leave or unpublish closes the PeerConnection; the flow waits for
	// its hangup, or a detach right after it could overtake it (Janus
	// then reports no hangup at all).
	for _, st := range []struct {
		m         *member
		name, key string
		hangup    bool
	}{
		{sub, "leave", "left", true},
		{pub2, "unpublish", "unpublished", true},
		{pub2, "leave", "leaving", false},
		{pub, "leave", "leaving", false},
	} {
		if err := st.m.request(ctx, map[string]any{"request": st.name}, st.key); err != nil {
			return ids, err
		}
		if st.hangup {
			if _, err := st.m.cl.wait(ctx, st.m.h.ID, "hangup"); err != nil {
				return ids, fmt.Errorf("%s: %w", st.name, err)
			}
		}
	}
	for _, m := range []*member{sub, pub2, pub} {
		if err := m.end(ctx); err != nil {
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
