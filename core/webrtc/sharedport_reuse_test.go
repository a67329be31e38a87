package webrtc

import (
	"net"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"
)

// TestSharedPortNewPeerConnectionOnOldPort: a client's PeerConnection on
// local port P goes away without hanging up (a crash, a page reload), and
// the client's next PeerConnection gets the same port P (a fixed port
// range, an embedded client, a NAT mapping reused) before Argus's old
// Peer has timed out. On the shared port the old Peer's address is the
// new client's: the new Peer must get the new client's checks and media,
// even while the old Peer goes on sending there. The new client either lists its candidates
// in its offer or sends none (Argus then sees it only as a peer-reflexive
// source of checks). With the old mux, the old Peer kept the address: the
// new client lost packets to it, or never connected.
func TestSharedPortNewPeerConnectionOnOldPort(t *testing.T) {
	for _, tc := range []struct {
		name       string
		candidates bool
	}{
		{"candidates in the offer", true},
		{"peer-reflexive only", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := engineOf(t, Config{ServerName: "test", Emitter: &recorder{}, IncludeLoopback: true, SharedUDP: true}, nil)

			first, port := clientOnPort(t, 0)
			old := newPeer(t, eng, PeerParams{SessionID: 1, HandleID: 1})
			oldGot := countRTP(old.PeerConnection())
			oldOut := opusTrack(t) // the old Peer sends too, as a subscriber's or an echo's does
			if _, err := old.PeerConnection().AddTrack(oldOut); err != nil {
				t.Fatal(err)
			}
			oldClient := newClientOf(t, clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion, UDPMux: first}))
			oldTrack := addOpusTrack(t, oldClient)
			negotiate(t, old, oldClient)
			sendUntil(t, oldTrack, oldGot, 20)
			// The client goes away; the old Peer does not know yet.
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}

			second, _ := clientOnPort(t, port)
			peer := newPeer(t, eng, PeerParams{SessionID: 1, HandleID: 2})
			got := countRTP(peer.PeerConnection())
			client := newClientOf(t, clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion, UDPMux: second}))
			track := addOpusTrack(t, client)
			created, gathered := gatherLocal(t, client, pion.SDPTypeOffer)
			offer := created
			if tc.candidates {
				offer = gathered
			}
			answerOffer(t, peer, client, offer)
			sendUntil(t, track, got, 20) // the new client is connected

			// Both Peers write to the client's address; the new client's
			// packets must all reach the new Peer. (The old Peer could not
			// decrypt them: what it would take shows as loss here.)
			before := got.Load()
			seq, oldSeq := uint16(40000), uint16(0)
			const rounds, each = 50, 2
			for range rounds {
				sendRTP(t, oldOut, 111, &oldSeq, each)
				sendRTP(t, track, 111, &seq, each)
				time.Sleep(10 * time.Millisecond)
			}
			testkit.Until(t, 10*time.Second, "the new client's packets at the new Peer", func() bool {
				return got.Load()-before >= rounds*each*95/100
			})
			_, st, _ := eng.SharedUDP()
			if st.Moved == 0 {
				t.Error("the address's move to the new PeerConnection was not counted")
			}
		})
	}
}

// clientOnPort is a pion ICE UDP mux for a client on 127.0.0.1:port (0:
// any), and its port; closed when the test ends if not before.
func clientOnPort(t *testing.T, port int) (*ice.UDPMuxDefault, int) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn})
	t.Cleanup(func() { _ = mux.Close() })
	return mux, conn.LocalAddr().(*net.UDPAddr).Port
}
