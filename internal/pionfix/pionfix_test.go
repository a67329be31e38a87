package pionfix

import (
	"strings"
	"testing"

	pion "github.com/pion/webrtc/v4"
)

// TestKeepReceivers: only an audio or video m-line that the offer leaves
// inactive, that is not rejected, and whose transceiver sends nothing
// (inactive already, or receive-only) becomes recvonly; any other offer
// comes back unchanged.
func TestKeepReceivers(t *testing.T) {
	pc, err := pion.NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, d := range []pion.RTPTransceiverDirection{
		pion.RTPTransceiverDirectionRecvonly, // mid 0, stopped below: inactive
		pion.RTPTransceiverDirectionSendrecv, // mid 1: sends
		pion.RTPTransceiverDirectionRecvonly, // mid 2: only receives
	} {
		if _, err := pc.AddTransceiverFromKind(pion.RTPCodecTypeAudio, pion.RTPTransceiverInit{Direction: d}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	ts := pc.GetTransceivers()
	if err := ts[0].Stop(); err != nil {
		t.Fatal(err)
	}
	if d := ts[0].Direction(); d != pion.RTPTransceiverDirectionInactive {
		t.Fatalf("a stopped transceiver's direction is %s", d)
	}
	section := func(mid, port, dir string) string {
		return "m=audio " + port + " UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:" + mid +
			"\r\na=rtpmap:111 opus/48000/2\r\na=" + dir + "\r\n"
	}
	head := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	for _, tc := range []struct {
		name, offer string
		recvonly    bool
	}{
		{"inactive again", head + section("0", "9", "inactive"), true},
		{"inactive, transceiver receives", head + section("2", "9", "inactive"), true},
		{"inactive, transceiver sends", head + section("1", "9", "inactive"), false},
		{"rejected", head + section("0", "0", "inactive"), false},
		{"sending", head + section("0", "9", "sendonly"), false},
		{"not SDP", "garbage", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := KeepReceivers(tc.offer, ts)
			if !tc.recvonly {
				if got != tc.offer {
					t.Fatalf("offer changed:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, "a=recvonly") || strings.Contains(got, "a=inactive") {
				t.Fatalf("inactive m-line not written recvonly:\n%s", got)
			}
		})
	}
}
