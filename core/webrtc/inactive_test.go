package webrtc

import (
	"strings"
	"sync/atomic"
	"testing"

	pion "github.com/pion/webrtc/v4"
)

// TestReceivesAfterIdleOffers: a client stops sending on its m-line,
// renegotiates with the m-line inactive (once, twice, three times), then
// sends on it again: the Peer receives the new track's media, reports
// the m-line inactive while it was, and answers inactive. Before, pion
// stopped the Peer's receiver on every such offer but replaced it only
// after the first, so after two the new SSRC was bound to a stopped
// receiver and nothing came through.
func opusTrack(t *testing.T) *pion.TrackLocalStaticRTP {
	t.Helper()
	tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "c", "cs")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestReceivesAfterIdleOffers(t *testing.T) {
	for _, idle := range []int{1, 2, 3} {
		t.Run(strings.Repeat("idle", idle), func(t *testing.T) {
			peer := newPeer(t, testEngine(t, &recorder{}), PeerParams{})
			var tracks, got atomic.Int64
			peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
				tracks.Add(1)
				for {
					if _, _, err := tr.ReadRTP(); err != nil {
						return
					}
					got.Add(1)
				}
			})
			client := newClient(t)
			tr := opusTrack(t)
			if _, err := client.AddTransceiverFromTrack(tr, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly}); err != nil {
				t.Fatal(err)
			}
			negotiate(t, peer, client)
			sendUntil(t, tr, &got, 10)

			sender := client.GetSenders()[0]
			if err := client.RemoveTrack(sender); err != nil {
				t.Fatal(err)
			}
			for i := range idle {
				_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
				if !strings.Contains(offer, "a=inactive") {
					t.Fatalf("idle offer %d is not inactive:\n%s", i+1, offer)
				}
				answerOffer(t, peer, client, offer)
				if d := peer.RemoteDirections()["0"]; d != "inactive" {
					t.Fatalf("idle offer %d: RemoteDirections = %q, want inactive", i+1, d)
				}
				if a := client.RemoteDescription().SDP; !strings.Contains(a, "a=inactive") {
					t.Fatalf("idle offer %d: answer is not inactive:\n%s", i+1, a)
				}
			}

			tr2 := addOpusTrack(t, client)
			if n := len(client.GetTransceivers()); n != 1 {
				t.Fatalf("the client made %d transceivers: the track did not come back on its m-line", n)
			}
			negotiate(t, peer, client)
			if d := peer.RemoteDirections()["0"]; d != "sendonly" && d != "sendrecv" {
				t.Fatalf("after the track came back: RemoteDirections = %q", d)
			}
			before := got.Load()
			sendUntil(t, tr2, &got, before+10)
			if n := tracks.Load(); n < 2 {
				t.Errorf("OnTrack fired %d times, want a second track", n)
			}
		})
	}
}
