package webrtc

import (
	"errors"
	"strings"
	"testing"

	pion "github.com/pion/webrtc/v4"
)

// TestAttachTrackTargetsItsTransceiver: with two audio m-lines offered,
// attaching to the second leaves the first without sender and
// receive-only, and the answer sends on the second only; attaching twice
// fails.
func TestAttachTrackTargetsItsTransceiver(t *testing.T) {
	peer := newPeer(t, testEngine(t, &recorder{}), PeerParams{})
	client := newClient(t, pion.RTPCodecTypeAudio, pion.RTPCodecTypeAudio)
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctxT(t), "offer", offer.SDP); err != nil {
		t.Fatal(err)
	}
	ts := peer.PeerConnection().GetTransceivers()
	if len(ts) != 2 {
		t.Fatalf("%d transceivers", len(ts))
	}
	track, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
	if err != nil {
		t.Fatal(err)
	}
	s, err := peer.AttachTrack(ts[1], track)
	if err != nil {
		t.Fatal(err)
	}
	if ts[1].Sender() != s || ts[0].Sender() != nil {
		t.Fatalf("sender on wrong transceiver: first %p, second %p, got %p", ts[0].Sender(), ts[1].Sender(), s)
	}
	if d := ts[0].Direction(); d != pion.RTPTransceiverDirectionRecvonly {
		t.Errorf("first direction = %s", d)
	}
	if _, err := peer.AttachTrack(ts[1], track); !errors.Is(err, ErrHasSender) {
		t.Errorf("second attach: %v", err)
	}
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	sections := strings.Split(answer, "m=audio")
	if len(sections) != 3 {
		t.Fatalf("answer has %d audio sections", len(sections)-1)
	}
	if !strings.Contains(sections[1], "a=recvonly") || !strings.Contains(sections[2], "a=sendrecv") {
		t.Errorf("answer directions wrong:\n%s", answer)
	}
}
