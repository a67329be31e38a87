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
// the m-line inactive while it was, and answers inactive; also when the
// m-line went inactive before its first packet with no SSRC named (no
// track yet). Before, pion stopped the Peer's receiver on every such
// offer but replaced it only when it had a track, so after two such
// offers, or that one, the new SSRC was bound to a stopped receiver and
// nothing came through.
func TestReceivesAfterIdleOffers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sendFirst bool // media flows before the m-line goes inactive
		idle      int  // inactive offers
		noSSRC    bool // the client's offers name no SSRC until its track comes back
	}{
		{"idle", true, 1, false},
		{"idleidle", true, 2, false},
		{"idleidleidle", true, 3, false},
		{"idle before the first packet, no SSRC named", false, 1, true},
	} {
		idle := tc.idle
		t.Run(tc.name, func(t *testing.T) {
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
			strip := tc.noSSRC
			offerAnswer := func() string {
				_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
				if strip {
					offer = withoutSSRCLines(offer)
				}
				answerOffer(t, peer, client, offer)
				return offer
			}
			offerAnswer()
			if tc.sendFirst {
				sendUntil(t, tr, &got, 10)
			}

			sender := client.GetSenders()[0]
			if err := client.RemoveTrack(sender); err != nil {
				t.Fatal(err)
			}
			for i := range idle {
				if offer := offerAnswer(); !strings.Contains(offer, "a=inactive") {
					t.Fatalf("idle offer %d is not inactive:\n%s", i+1, offer)
				}
				if d := peer.RemoteDirections()["0"]; d != "inactive" {
					t.Fatalf("idle offer %d: RemoteDirections = %q, want inactive", i+1, d)
				}
				if a := client.RemoteDescription().SDP; !strings.Contains(a, "a=inactive") {
					t.Fatalf("idle offer %d: answer is not inactive:\n%s", i+1, a)
				}
			}

			strip = false
			tr2 := addOpusTrack(t, client)
			if n := len(client.GetTransceivers()); n != 1 {
				t.Fatalf("the client made %d transceivers: the track did not come back on its m-line", n)
			}
			offerAnswer()
			if d := peer.RemoteDirections()["0"]; d != "sendonly" && d != "sendrecv" {
				t.Fatalf("after the track came back: RemoteDirections = %q", d)
			}
			before := got.Load()
			sendUntil(t, tr2, &got, before+10)
			want := int64(1) // a track for each time the client sent
			if tc.sendFirst {
				want = 2
			}
			if n := tracks.Load(); n != want {
				t.Errorf("OnTrack fired %d times, want %d", n, want)
			}
		})
	}
}

// withoutSSRCLines drops the a=ssrc and a=ssrc-group lines of an SDP.
func withoutSSRCLines(sdp string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(sdp, "\n") {
		if !strings.HasPrefix(line, "a=ssrc") {
			b.WriteString(line)
		}
	}
	return b.String()
}
