package load

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/testpeer"
)

// maxParallelSetups bounds the subscribers of one publisher negotiating at once.
const maxParallelSetups = 16

const videoRoomPlugin = "janus.plugin.videoroom"

// fanout is one VideoRoom publisher and its subscribers.
type fanout struct {
	cfg  *Config
	log  *slog.Logger
	room uint64
	made bool // the room was created by this fanout

	pub     *conn
	pubPeer *testpeer.Peer
	feed    uint64

	mu   sync.Mutex
	subs []*subscriber // set up successfully
}

type subscriber struct {
	k    *conn
	peer *testpeer.Peer
}

// Last payload bytes of the publisher's packets: before and in the
// measurement window.
const (
	tagSetup  = 1
	tagWindow = 2
)

// runVideoRoom publishes Opus and VP8 to a room, subscribes Subscribers
// clients to that feed, then measures what they receive over Duration.
func runVideoRoom(ctx context.Context, cfg *Config, log *slog.Logger, n int) unitResult {
	f := &fanout{cfg: cfg, log: log, room: cfg.Room}
	defer f.close() //nolint:contextcheck // teardown outlives ctx, on its own deadline
	var res unitResult
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, cfg.SetupTimeout)
	err := f.publish(sctx, n)
	cancel()
	if err != nil {
		res.err = err
		log.Debug("publisher failed", "err", err)
		return res
	}
	res.setups = []time.Duration{time.Since(start)}
	m := media(cfg, n)
	m.Tag = tagSetup
	f.pubPeer.Start(m)

	// Subscribers join while the publisher sends, as in a real room.
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelSetups)
	errs := make([]error, cfg.Subscribers)
	setups := make([]time.Duration, cfg.Subscribers)
	for i := range cfg.Subscribers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			t0 := time.Now()
			errs[i] = f.subscribe(ctx)
			setups[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			res.subErrs = append(res.subErrs, err)
			log.Debug("subscriber failed", "err", err)
			continue
		}
		res.subSetups = append(res.subSetups, setups[i])
	}

	// The measurement window: what the publisher sends from now on, each
	// subscriber should receive; the tag tells it from packets in flight.
	f.pubPeer.SetTag(tagWindow)
	var sent0 [2]counts
	for i, kind := range kinds {
		sent0[i] = snapshot(f.pubPeer.Sent(kind))
	}
	conns := func() []*conn {
		out := []*conn{f.pub}
		for _, s := range f.subs {
			out = append(out, s.k)
		}
		return out
	}
	hold(ctx, cfg.Duration, conns)
	f.pubPeer.StopSending()
	hold(ctx, cfg.Drain, conns)
	for i, kind := range kinds {
		res.sent[i] = minus(snapshot(f.pubPeer.Sent(kind)), sent0[i])
		res.expected[i] = (res.sent[i].packets + res.sent[i].dropped) * int64(len(f.subs))
		for _, s := range f.subs {
			r := snapshot(s.peer.Tagged(kind))
			res.recv[i].packets += r.packets
			res.recv[i].bytes += r.bytes
		}
	}
	res.rtcp.add(f.pubPeer)
	for _, k := range conns() {
		res.hangups += k.count("hangup")
		res.slowlinks += k.count("slowlink")
		res.dropped += k.c.Dropped()
	}
	return res
}

func minus(a, b counts) counts {
	return counts{a.packets - b.packets, a.bytes - b.bytes, a.errors - b.errors, a.dropped - b.dropped}
}

// publish creates the room if asked and joins it as a publisher of Opus and VP8.
func (f *fanout) publish(ctx context.Context, n int) error {
	var err error
	if f.pub, err = openConn(ctx, f.cfg, videoRoomPlugin); err != nil {
		return err
	}
	if f.room == 0 {
		m, err := f.pub.message(ctx, map[string]any{
			"request": "create", "description": fmt.Sprintf("argus-load %d", n), "is_private": true,
			"publishers": 1, "audiocodec": "opus", "videocodec": "vp8",
		}, nil)
		if err != nil {
			return err
		}
		if f.room = m.Uint("plugindata", "data", "room"); f.room == 0 {
			return fmt.Errorf("create room: %w: %.300s", errBadReply, m.String())
		}
		f.made = true
	}
	if f.pubPeer, err = testpeer.New(peerConfig(f.cfg, true)); err != nil {
		return err
	}
	offer, err := f.pubPeer.Offer(ctx, true)
	if err != nil {
		return err
	}
	ev, err := f.pub.message(ctx, map[string]any{
		"request": "joinandconfigure", "room": f.room, "ptype": "publisher",
		"display": fmt.Sprintf("argus-load-%d", n), "audio": true, "video": true,
	}, janusclient.JSEP("offer", offer, false))
	if err != nil {
		return err
	}
	if f.feed = ev.Uint("plugindata", "data", "id"); f.feed == 0 {
		return fmt.Errorf("joinandconfigure: %w: no feed id in %.300s", errBadReply, ev.String())
	}
	answer, err := jsepSDP(ev, "answer")
	if err != nil {
		return err
	}
	if err := checkAnswer(answer); err != nil {
		return err
	}
	if err := f.pubPeer.SetAnswer(answer); err != nil {
		return err
	}
	if err := f.pubPeer.WaitConnected(ctx); err != nil {
		return err
	}
	return f.pub.waitUp(ctx)
}

// subscribe adds one subscriber client to the publisher's feed.
func (f *fanout) subscribe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.SetupTimeout)
	defer cancel()
	s := &subscriber{}
	ok := false
	defer func() { //nolint:contextcheck // teardown outlives ctx, on its own deadline
		if !ok {
			s.k.close()
			if s.peer != nil {
				_ = s.peer.Close()
			}
		}
	}()
	var err error
	if s.k, err = openConn(ctx, f.cfg, videoRoomPlugin); err != nil {
		return err
	}
	ev, err := s.k.message(ctx, map[string]any{
		"request": "join", "room": f.room, "ptype": "subscriber",
		"streams": []any{map[string]any{"feed": f.feed}},
	}, nil)
	if err != nil {
		return err
	}
	offer, err := jsepSDP(ev, "offer")
	if err != nil {
		return err
	}
	if s.peer, err = testpeer.New(peerConfig(f.cfg, false)); err != nil {
		return err
	}
	s.peer.CountTagged(tagWindow)
	answer, err := s.peer.Answer(ctx, offer)
	if err != nil {
		return err
	}
	if _, err := s.k.h.Send(ctx, map[string]any{"request": "start"}, janusclient.JSEP("answer", answer, false)); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if err := s.peer.WaitConnected(ctx); err != nil {
		return err
	}
	if err := s.k.waitUp(ctx); err != nil {
		return err
	}
	ok = true
	f.mu.Lock()
	f.subs = append(f.subs, s)
	f.mu.Unlock()
	return nil
}

// close tears the subscribers, the publisher and a created room down.
func (f *fanout) close() {
	for _, s := range f.subs {
		s.k.close()
		_ = s.peer.Close()
	}
	if f.made && f.pub != nil {
		ctx, cancel := context.WithTimeout(context.Background(), teardownTimeout)
		_, _ = f.pub.h.Send(ctx, map[string]any{"request": "destroy", "room": f.room}, nil)
		cancel()
	}
	f.pub.close()
	if f.pubPeer != nil {
		_ = f.pubPeer.Close()
	}
}
