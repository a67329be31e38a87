package load

import (
	"context"
	"log/slog"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/testpeer"
)

// runEchoTest runs one EchoTest session: create, attach, non-trickle
// offer, answer, connected and webrtcup, media for Duration, drain, and
// always releases what it opened.
func runEchoTest(ctx context.Context, cfg *Config, log *slog.Logger, n int) unitResult {
	var res unitResult
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, cfg.SetupTimeout)
	k, peer, err := setupEcho(sctx, cfg)
	cancel()
	defer func() { //nolint:contextcheck // teardown outlives ctx, on its own deadline
		k.close()
		if peer != nil {
			_ = peer.Close()
		}
	}()
	if err != nil {
		res.err = err
		log.Debug("session failed", "err", err)
		return res
	}
	res.setups = []time.Duration{time.Since(start)}
	peer.Start(media(cfg, n))
	conns := func() []*conn { return []*conn{k} }
	hold(ctx, cfg.Duration, conns)
	peer.StopSending()
	hold(ctx, cfg.Drain, conns)
	for i, kind := range kinds {
		res.sent[i] = snapshot(peer.Sent(kind))
		res.recv[i] = snapshot(peer.Received(kind))
		res.expected[i] = res.sent[i].packets + res.sent[i].dropped
	}
	res.rtcp.add(peer)
	res.hangups, res.slowlinks = k.count("hangup"), k.count("slowlink")
	res.dropped = k.c.Dropped()
	return res
}

func setupEcho(ctx context.Context, cfg *Config) (*conn, *testpeer.Peer, error) {
	k, err := openConn(ctx, cfg, "janus.plugin.echotest")
	if err != nil {
		return k, nil, err
	}
	peer, err := testpeer.New(peerConfig(cfg, true))
	if err != nil {
		return k, nil, err
	}
	offer, err := peer.Offer(ctx, true)
	if err != nil {
		return k, peer, err
	}
	ev, err := k.message(ctx, map[string]any{"audio": true, "video": true}, janusclient.JSEP("offer", offer, false))
	if err != nil {
		return k, peer, err
	}
	answer, err := jsepSDP(ev, "answer")
	if err != nil {
		return k, peer, err
	}
	if err := checkAnswer(answer); err != nil {
		return k, peer, err
	}
	if err := peer.SetAnswer(answer); err != nil {
		return k, peer, err
	}
	if err := peer.WaitConnected(ctx); err != nil {
		return k, peer, err
	}
	return k, peer, k.waitUp(ctx)
}
