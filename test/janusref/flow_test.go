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

// peer builds a pion client peer gathering on tg's network.
func (tg *target) peer(sending bool) (*testpeer.Peer, error) {
	p, err := testpeer.New(testpeer.Config{
		Audio: sending, Video: sending, Feedback: testpeer.BrowserFeedback(), Interceptors: true,
		Network: tg.peerNet,
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

// echoFlow: create, attach the EchoTest, offer audio and video, trickle,
// media until the server reported statistics, a configure message, hangup,
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
	p, err := tg.peer(true)
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

// roomFlow: a VideoRoom publisher joins room 1234 and publishes audio and
// video; a subscriber (another session) receives the feed; the subscriber
// and the publisher leave; both detach and destroy. It returns the
// session ids.
func (tg *target) roomFlow(ctx context.Context) ([]uint64, error) {
	pubc, err := tg.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer pubc.close()
	subc, err := tg.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer subc.close()
	ids := []uint64{pubc.s.ID, subc.s.ID}

	ph, err := pubc.s.Attach(ctx, "janus.plugin.videoroom", "janusref-publisher")
	if err != nil {
		return ids, err
	}
	ev, err := ph.Message(ctx, pubc.in, map[string]any{"request": "join", "ptype": "publisher", "room": 1234, "display": "pub"}, nil)
	if err != nil {
		return ids, err
	}
	feed := janusclient.Uint(ev.Field("plugindata", "data", "id"))
	if ev.Field("plugindata", "data", "videoroom") != "joined" || feed == 0 {
		return ids, fmt.Errorf("join: %s", ev)
	}
	pp, err := tg.peer(true)
	if err != nil {
		return ids, err
	}
	defer func() { _ = pp.Close() }()
	offer, err := pp.Offer(ctx, false)
	if err != nil {
		return ids, err
	}
	ev, err = ph.Message(ctx, pubc.in, map[string]any{"request": "publish", "audio": true, "video": true}, janusclient.JSEP("offer", offer, true))
	if err != nil {
		return ids, err
	}
	sdp, _ := ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "configured") != "ok" || sdp == "" {
		return ids, fmt.Errorf("publish: %s", ev)
	}
	if err := pp.SetAnswer(sdp); err != nil {
		return ids, err
	}
	if err := trickle(ctx, ph, pp); err != nil {
		return ids, err
	}
	if _, err := pubc.wait(ctx, ph.ID, "webrtcup"); err != nil {
		return ids, err
	}
	if err := pp.WaitConnected(ctx); err != nil {
		return ids, err
	}
	pp.Start(testpeer.Browser20ms())

	sh, err := subc.s.Attach(ctx, "janus.plugin.videoroom", "janusref-subscriber")
	if err != nil {
		return ids, err
	}
	ev, err = sh.Message(ctx, subc.in, map[string]any{"request": "join", "ptype": "subscriber", "room": 1234,
		"streams": []any{map[string]any{"feed": feed}}}, nil)
	if err != nil {
		return ids, err
	}
	sdp, _ = ev.Field("jsep", "sdp").(string)
	if ev.Field("plugindata", "data", "videoroom") != "attached" || sdp == "" {
		return ids, fmt.Errorf("subscribe: %s", ev)
	}
	sp, err := tg.peer(false)
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

	if _, err := sh.Message(ctx, subc.in, map[string]any{"request": "leave"}, nil); err != nil {
		return ids, err
	}
	if _, err := ph.Message(ctx, pubc.in, map[string]any{"request": "leave"}, nil); err != nil {
		return ids, err
	}
	for _, x := range []struct {
		cl *client
		h  *janusclient.Handle
	}{{subc, sh}, {pubc, ph}} {
		if err := x.h.Detach(ctx); err != nil {
			return ids, err
		}
		if _, err := x.cl.wait(ctx, x.h.ID, "detached"); err != nil {
			return ids, err
		}
		if err := x.cl.s.Destroy(ctx); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// run runs both flows and waits until the server reported every session
// destroyed (its events are delivered in order, so the rest came before).
func (tg *target) run(ctx context.Context) error {
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
