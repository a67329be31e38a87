package webrtc

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestLatePacketAfterIdleOffer: packets the client sent on its m-line
// before it offered the m-line inactive reach the Peer only after the
// answer (late on the way; written here once the answer is applied), and
// the client then offers the m-line sendrecv again, with the same SSRC,
// and sends: the Peer reads the SSRC on that m-line again, and pion made
// no transceiver of its own for the late packets. With one m-line and
// with two (the client negotiates no mid header extension). Before, pion
// gave the late packets' SSRC a transceiver with no mid (and fired
// OnTrack on it), which kept the SSRC: the m-line's own receiver never
// got it back, and nothing more came on the m-line.
func TestLatePacketAfterIdleOffer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		video bool // a second m-line: the client receives video
	}{
		{"one m-line", false},
		{"audio and video m-lines", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := newPeer(t, testEngine(t, &recorder{}), PeerParams{})
			pc := peer.PeerConnection()
			var mu sync.Mutex
			byMid := map[string]*atomic.Int64{} // packets read, by the mid of the track's transceiver
			count := func(mid string) *atomic.Int64 {
				mu.Lock()
				defer mu.Unlock()
				if byMid[mid] == nil {
					byMid[mid] = &atomic.Int64{}
				}
				return byMid[mid]
			}
			pc.OnTrack(func(tr *pion.TrackRemote, r *pion.RTPReceiver) {
				mid := "?"
				for _, x := range pc.GetTransceivers() {
					if x.Receiver() == r {
						mid = x.Mid()
					}
				}
				n := count(mid)
				for {
					if _, _, err := tr.ReadRTP(); err != nil {
						return
					}
					n.Add(1)
				}
			})
			client := newClient(t)
			tr := addOpusTrack(t, client)
			if tc.video {
				if _, err := client.AddTransceiverFromKind(pion.RTPCodecTypeVideo, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionRecvonly}); err != nil {
					t.Fatal(err)
				}
			}
			var seq uint16 // one sequence across the test: the SSRC stays
			pump := func(n int64) {
				t.Helper()
				for deadline := time.Now().Add(10 * time.Second); count("0").Load() < n; time.Sleep(20 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("%d packets read on m-line 0, want %d (by mid: %v)", count("0").Load(), n, snapshot(&mu, byMid))
					}
					sendRTP(t, tr, 111, &seq, 5)
				}
			}
			offer := func() string {
				_, o := gatherLocal(t, client, pion.SDPTypeOffer)
				return o
			}

			answerOffer(t, peer, client, offer())
			pump(10)

			// The client's transceiver set to inactive: its offer names no
			// SSRC there (pion's own would stop its sender; the offer is
			// written so that the sender can still send the late packets).
			answerOffer(t, peer, client, asInactive(offer()))
			if d := peer.RemoteDirections()["0"]; d != "inactive" {
				t.Fatalf("idle offer: RemoteDirections = %q, want inactive", d)
			}
			sendRTP(t, tr, 111, &seq, 5) // the late packets
			// pion handles them on a goroutine of its own: a transceiver
			// it would make for them shows within this wait.
			for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && !hasMidless(pc); {
				time.Sleep(10 * time.Millisecond)
			}

			answerOffer(t, peer, client, offer())
			pump(count("0").Load() + 10)
			if hasMidless(pc) {
				t.Errorf("pion made a transceiver with no mid (packets read by mid: %v)", snapshot(&mu, byMid))
			}
		})
	}
}

// asInactive is a client's offer with its sendrecv m-lines inactive and
// no a=msid or a=ssrc line: as a browser offers a transceiver set to
// inactive.
func asInactive(offer string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(offer, "\n") {
		switch {
		case strings.HasPrefix(line, "a=ssrc"), strings.HasPrefix(line, "a=msid:"):
		case strings.HasPrefix(line, "a=sendrecv"):
			b.WriteString(strings.Replace(line, "sendrecv", "inactive", 1))
		default:
			b.WriteString(line)
		}
	}
	return b.String()
}

// hasMidless reports whether pc has a transceiver with no mid.
func hasMidless(pc *pion.PeerConnection) bool {
	for _, x := range pc.GetTransceivers() {
		if x.Mid() == "" {
			return true
		}
	}
	return false
}

// snapshot copies a map of counters under its lock, for a message.
func snapshot(mu *sync.Mutex, m map[string]*atomic.Int64) map[string]int64 {
	mu.Lock()
	defer mu.Unlock()
	out := map[string]int64{}
	for k, v := range m {
		out[k] = v.Load()
	}
	return out
}
