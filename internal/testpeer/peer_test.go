package testpeer

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"go.uber.org/goleak"

	"github.com/argusrtc/argus/internal/testpeer/slownet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair connects an offerer and an answerer back to back on loopback.
func pair(t *testing.T, ctx context.Context, a, b Config) (*Peer, *Peer) {
	t.Helper()
	pa, pb := newPeer(t, a), newPeer(t, b)
	connect(t, ctx, pa, pb)
	return pa, pb
}

// newPeer is New, failing t on an error; the peer closes when t ends.
func newPeer(t *testing.T, cfg Config) *Peer {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// connect negotiates pa's offer with pb's answer and waits until both are
// connected.
func connect(t *testing.T, ctx context.Context, pa, pb *Peer) {
	t.Helper()
	offer, err := pa.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := pb.Answer(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := pa.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Peer{pa, pb} {
		if err := p.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestMediaFlows sends Opus and VP8 one way and counts them at the other
// end, per kind and per m-line, with the tag byte and key frames.
func TestMediaFlows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snd, rcv := pair(t, ctx,
		Config{Audio: true, Video: true, Feedback: BrowserFeedback(), AudioLevel: true},
		Config{Feedback: BrowserFeedback(), AudioLevel: true, TrackSeqs: true})
	m := Browser20ms()
	m.Tag = 7
	m.SeqBase = 500
	rcv.CountTagged(9)
	snd.Start(m)
	waitUntil(t, ctx, "20 packets of each kind", func() bool {
		return rcv.Received("audio").Packets.Load() >= 20 && rcv.Received("video").Packets.Load() >= 20
	})
	if n := rcv.Tagged("video").Packets.Load(); n != 0 {
		t.Fatalf("%d packets tagged 9 before SetTag(9)", n)
	}
	snd.SetTag(9)
	waitUntil(t, ctx, "tagged packets", func() bool { return rcv.Tagged("audio").Packets.Load() >= 5 })
	snd.SetTag(7)
	tracks := rcv.Tracks()
	waitUntil(t, ctx, "tag 7 again", func() bool {
		for _, tr := range tracks {
			if tr.LastMarker.Load() != 7 {
				return false
			}
		}
		return true
	})
	snd.StopSending()
	if len(tracks) != 2 {
		t.Fatalf("tracks %v, want 2", tracks)
	}
	for mid, tr := range tracks {
		if tr.LastMarker.Load() != 7 {
			t.Errorf("mid %s: last payload byte %d, want 7", mid, tr.LastMarker.Load())
		}
		if n, _ := tr.Seen(501); n != 1 {
			t.Errorf("mid %s: seq 501 seen %d times, want 1", mid, n)
		}
		if tr.Kind() == "video" && tr.KeyFrames.Load() != tr.Packets.Load() {
			t.Errorf("video: %d key frames of %d packets, want all (DeltaFrames off)", tr.KeyFrames.Load(), tr.Packets.Load())
		}
	}
	if got, sent := rcv.Received("audio").Bytes.Load(), snd.Sent("audio").Bytes.Load(); got == 0 || got > sent {
		t.Errorf("audio bytes received %d, sent %d", got, sent)
	}
}

// TestNACKAnswered loses every 10th packet; the receiver's pion NACK
// generator asks for it and the sender resends it from its history.
func TestNACKAnswered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snd, rcv := pair(t, ctx,
		Config{Video: true, Feedback: BrowserFeedback(), History: 256},
		Config{Feedback: BrowserFeedback(), Interceptors: true, TrackSeqs: true})
	m := Media{VideoFPS: 50, LossEvery: 10, DeltaFrames: true}
	snd.Start(m)
	waitUntil(t, ctx, "retransmissions", func() bool { return snd.RTCP.Retransmitted.Load() >= 3 })
	var tr *Track
	for _, x := range rcv.Tracks() {
		tr = x
	}
	// Lost seq 10 (every 10th) must have arrived once, by retransmission.
	waitUntil(t, ctx, "repaired seq 10", func() bool { n, _ := tr.Seen(10); return n == 1 })
	if snd.Sent("video").Dropped.Load() == 0 {
		t.Error("no packet counted as dropped on purpose")
	}
	if snd.RTCP.NACKs.Load() == 0 || snd.RTCP.NACKed.Load() < snd.RTCP.Retransmitted.Load() {
		t.Errorf("NACKs %d, asked %d, resent %d", snd.RTCP.NACKs.Load(), snd.RTCP.NACKed.Load(), snd.RTCP.Retransmitted.Load())
	}
}

// TestPLIAnsweredWithKeyFrame: after the first frame only delta frames
// flow, until a PLI makes the next frame a key frame.
func TestPLIAnsweredWithKeyFrame(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snd, rcv := pair(t, ctx,
		Config{Video: true, Feedback: BrowserFeedback(), AnswerPLI: true},
		Config{Feedback: BrowserFeedback()})
	snd.Start(Media{VideoFPS: 50, DeltaFrames: true})
	var tr *Track
	waitUntil(t, ctx, "video", func() bool {
		for _, x := range rcv.Tracks() {
			tr = x
		}
		return tr != nil && tr.Packets.Load() >= 10
	})
	before := tr.KeyFrames.Load()
	if before > 1 {
		t.Fatalf("%d key frames before any PLI, want at most the first", before)
	}
	pli := &rtcp.PictureLossIndication{MediaSSRC: tr.SSRC.Load()}
	if err := rcv.PC.WriteRTCP([]rtcp.Packet{pli}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, ctx, "key frame after PLI", func() bool { return tr.KeyFrames.Load() > before })
	if snd.RTCP.PLIs.Load() != 1 || snd.RTCP.KeyFrames.Load() != 1 {
		t.Errorf("PLIs %d, key frames sent %d, want 1 and 1", snd.RTCP.PLIs.Load(), snd.RTCP.KeyFrames.Load())
	}
}

// TestSeededLoss drops the same packets for the same seed.
func TestSeededLoss(t *testing.T) {
	run := func(seed uint64) []bool {
		g := newGenerator(&Peer{}, Media{LossPercent: 20, Seed: seed}.withDefaults())
		out := make([]bool, 200)
		lost := 0
		for i := range out {
			out[i] = g.lost(uint16(i + 1))
			if out[i] {
				lost++
			}
		}
		if lost < 10 || lost > 80 {
			t.Errorf("seed %d: %d of 200 lost at 20%%", seed, lost)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	same := func(x, y []bool) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) || same(a, c) {
		t.Error("loss pattern not determined by the seed")
	}
}

func TestIsVP8KeyFrame(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want bool
	}{
		{"key", vp8Key[:], true},
		{"delta", vp8Delta[:], false},
		{"continuation", []byte{0x00, 0x00}, false},
		{"extended key", []byte{0x90, 0x80, 0x81, 0x02, 0x10}, true},
		{"short", []byte{0x10}, false},
	} {
		if got := IsVP8KeyFrame(tc.in); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func FuzzIsVP8KeyFrame(f *testing.F) {
	f.Add(vp8Key[:])
	f.Add(vp8Delta[:])
	f.Add([]byte{0x90, 0xf0, 0x81, 0x02, 0x03, 0x04, 0x10})
	f.Fuzz(func(t *testing.T, b []byte) {
		if IsVP8KeyFrame(b) && (len(b) < 2 || b[0]&0x10 == 0) {
			t.Fatalf("%x: key frame without a partition start", b)
		}
	})
}

// TestSlowLink connects a peer through a slow link (100 ms each way, no
// jitter): ICE, DTLS and media all cross it, held for the delay each way.
func TestSlowLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	link := &slownet.Link{Delay: 100 * time.Millisecond}
	snd, rcv := pair(t, ctx, Config{Audio: true, SlowLink: link}, Config{})
	snd.Start(Media{AudioPPS: 50})
	waitUntil(t, ctx, "20 audio packets", func() bool { return rcv.Received("audio").Packets.Load() >= 20 })
	up, down := &snd.Link.Up, &snd.Link.Down
	if up.Delivered.Load() < 20 || down.Delivered.Load() == 0 {
		t.Errorf("link carried %d packets up, %d down; want ICE, DTLS and media up, ICE and DTLS down",
			up.Delivered.Load(), down.Delivered.Load())
	}
	if up.Dropped.Load()+down.Dropped.Load() != 0 {
		t.Errorf("%d + %d packets dropped by a link without rate", up.Dropped.Load(), down.Dropped.Load())
	}
	for name, st := range map[string]*slownet.Stats{"up": up, "down": down} {
		if d := time.Duration(st.MaxDelay.Load()); d < link.Delay {
			t.Errorf("%s: longest delay %v, want at least %v", name, d, link.Delay)
		}
	}
	if rcv.Link != nil {
		t.Error("a peer without SlowLink has a Link")
	}
}

// TestRTPTimeFollowsSendTime: a packet sent a second after the loop
// began carries a second's worth of RTP time, whatever ticks were missed.
func TestRTPTimeFollowsSendTime(t *testing.T) {
	g := newGenerator(&Peer{}, Browser20ms().withDefaults())
	g.t0 = time.Now().Add(-time.Second)
	for _, hz := range []int64{48000, 90000} {
		ts := int64(g.rtpTime(hz))
		if ts < hz || ts > hz+hz/2 { // half a second of slack for a loaded machine
			t.Errorf("%d Hz: timestamp %d one second in, want %d", hz, ts, hz)
		}
	}
}
