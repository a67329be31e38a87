package webrtc

import (
	"errors"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// TestAbandonOffer: a renegotiation offer the plugin refused is abandoned
// without a local jsep event; the PeerConnection stays up, media keeps
// flowing, and the client's next offer (the same one again) is answered.
// pion alone refuses that offer (have-remote-offer) and cannot roll back.
func TestAbandonOffer(t *testing.T) {
	rec := &recorder{}
	peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 1, HandleID: 2})
	if ok, err := peer.AbandonOffer(); ok || err != nil {
		t.Fatalf("AbandonOffer without an offer = %v, %v; want false, nil", ok, err)
	}
	got := countRTP(peer.PeerConnection())
	client := newClient(t)
	tr := addOpusTrack(t, client)
	negotiate(t, peer, client)
	sendUntil(t, tr, got, 20)

	locals := func() int {
		return len(rec.find(telemetry.TypeJSEP, 0, func(b map[string]any) bool { return b["owner"] == "local" }))
	}
	before := locals()
	_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
	if err := peer.SetRemoteDescription(ctxT(t), "offer", offer); err != nil {
		t.Fatal(err)
	}
	if !peer.AwaitingAnswer() {
		t.Fatal("AwaitingAnswer = false with an offer applied")
	}
	if err := peer.SetRemoteDescription(ctxT(t), "offer", offer); err == nil {
		t.Fatal("a second offer applied while one waits (pion changed: the abandon may be unneeded)")
	}
	if ok, err := peer.AbandonOffer(); !ok || err != nil {
		t.Fatalf("AbandonOffer = %v, %v; want true, nil", ok, err)
	}
	if peer.AwaitingAnswer() || locals() != before {
		t.Fatalf("after AbandonOffer: awaiting %v, local jsep events %d, want false, %d", peer.AwaitingAnswer(), locals(), before)
	}
	if info := peer.Info(); info["flags"].(map[string]any)["processing-offer"] != false {
		t.Fatalf("flags after AbandonOffer: %v", info["flags"])
	}
	answerOffer(t, peer, client, offer)
	sendUntil(t, tr, got, got.Load()+20)

	peer.Close("test")
	if ok, err := peer.AbandonOffer(); ok || !errors.Is(err, ErrClosed) {
		t.Fatalf("AbandonOffer after Close = %v, %v; want false, ErrClosed", ok, err)
	}
}

// TestDiscard: a discarded Peer closes, its Observer hears the hangup, and
// it emits no event from then on (no hangup, no final media report).
func TestDiscard(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 1, HandleID: 2, Observer: obs})
	if err := peer.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio)); err != nil {
		t.Fatal(err)
	}
	before := len(rec.Events())
	peer.Discard("Offer refused")
	waitDone(t, peer, 5*time.Second, "the discarded Peer did not end")
	if _, _, hangups := obs.snapshot(); len(hangups) != 1 || hangups[0] != "Offer refused" {
		t.Fatalf("Observer hangups = %v", hangups)
	}
	if evs := rec.Events(); len(evs) != before {
		t.Fatalf("events after Discard: %v", evs[before:])
	}
}

// TestHangupDiscarded: the hangup a discarded Peer withheld is emitted
// once, with the reason given, and nothing after it; called before
// Discard, it silences the Peer as Discard does; a Peer that emitted its
// own hangup emits no second one.
func TestHangupDiscarded(t *testing.T) {
	hangups := func(rec *recorder) (n int, reasons []string, last int) {
		for i, ev := range rec.Events() {
			if b, ok := ev.Body.(telemetry.PeerConnectionBody); ok && b.Connection == "hangup" {
				n++
				reasons = append(reasons, b.Reason)
				last = i
			}
		}
		return n, reasons, last
	}
	for _, tc := range []struct {
		name   string
		run    func(p *Peer)
		reason string
	}{
		{"after Discard", func(p *Peer) {
			p.Discard("Offer refused")
			waitDone(t, p, 5*time.Second, "the discarded Peer did not end")
			p.HangupDiscarded("Detach")
			p.HangupDiscarded("Janus API")
		}, "Detach"},
		{"before Discard", func(p *Peer) {
			p.HangupDiscarded("Janus API")
			p.Discard("Offer refused")
			waitDone(t, p, 5*time.Second, "the discarded Peer did not end")
		}, "Janus API"},
		{"after Close", func(p *Peer) {
			p.Close("Close PC")
			waitDone(t, p, 5*time.Second, "the Peer did not end")
			p.HangupDiscarded("Detach")
		}, "Close PC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 1, HandleID: 2})
			if err := peer.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio)); err != nil {
				t.Fatal(err)
			}
			tc.run(peer)
			time.Sleep(100 * time.Millisecond) // pion callbacks still running emit nothing either
			n, reasons, last := hangups(rec)
			if n != 1 || reasons[0] != tc.reason {
				t.Fatalf("hangup events %v, want [%s]", reasons, tc.reason)
			}
			if evs := rec.Events(); tc.name != "after Close" && last != len(evs)-1 {
				t.Fatalf("events after the hangup: %v", evs[last+1:])
			}
		})
	}
}
