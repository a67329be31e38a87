package pionfix

import (
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
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

// TestReleaseSenders: the sender of a transceiver that sends is removed
// when the offer leaves its m-line inactive or sendonly (not rejected),
// so that pion neither stops it nor answers sendrecv, leaving the
// transceiver receive-only or inactive, as KeepReceivers needs it; any
// other transceiver or m-line is left as it is.
func TestReleaseSenders(t *testing.T) {
	head := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	section := func(port, dir string) string {
		return "m=audio " + port + " UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0" +
			"\r\na=rtpmap:111 opus/48000/2\r\na=" + dir + "\r\n"
	}
	const (
		sendrecv = pion.RTPTransceiverDirectionSendrecv
		sendonly = pion.RTPTransceiverDirectionSendonly
		recvonly = pion.RTPTransceiverDirectionRecvonly
		inactive = pion.RTPTransceiverDirectionInactive
	)
	for _, tc := range []struct {
		name     string
		local    pion.RTPTransceiverDirection // the transceiver's, with a track unless recvonly
		offer    string
		released bool
		after    pion.RTPTransceiverDirection
	}{
		{"sendrecv, m-line inactive", sendrecv, section("9", "inactive"), true, recvonly},
		{"sendonly, m-line inactive", sendonly, section("9", "inactive"), true, inactive},
		{"sendrecv, m-line rejected", sendrecv, section("0", "inactive"), false, sendrecv},
		{"sendrecv, m-line sendrecv", sendrecv, section("9", "sendrecv"), false, sendrecv},
		{"sendrecv, m-line recvonly", sendrecv, section("9", "recvonly"), false, sendrecv},
		{"sendrecv, m-line sendonly", sendrecv, section("9", "sendonly"), true, recvonly},
		{"sendonly, m-line sendonly", sendonly, section("9", "sendonly"), true, inactive},
		{"sendrecv, m-line sendonly rejected", sendrecv, section("0", "sendonly"), false, sendrecv},
		{"recvonly, m-line sendonly", recvonly, section("9", "sendonly"), false, recvonly},
		{"recvonly, m-line inactive", recvonly, section("9", "inactive"), false, recvonly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc, err := pion.NewPeerConnection(pion.Configuration{})
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			var tr *pion.RTPTransceiver
			if tc.local == recvonly {
				tr, err = pc.AddTransceiverFromKind(pion.RTPCodecTypeAudio, pion.RTPTransceiverInit{Direction: recvonly})
			} else {
				var track *pion.TrackLocalStaticRTP
				track, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
				if err != nil {
					t.Fatal(err)
				}
				tr, err = pc.AddTransceiverFromTrack(track, pion.RTPTransceiverInit{Direction: tc.local})
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.SetMid("0"); err != nil {
				t.Fatal(err)
			}
			sender := tr.Sender()
			offer := &sdp.SessionDescription{}
			if err := offer.UnmarshalString(head + tc.offer); err != nil {
				t.Fatal(err)
			}
			mids, err := ReleaseSenders(pc, offer)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(mids) == 1 && mids[0] == "0"; got != tc.released {
				t.Errorf("released mids %v, want released %v", mids, tc.released)
			}
			if tc.released != (tr.Sender() == nil && sender != nil) {
				t.Errorf("sender %v before, %v after; want released %v", sender, tr.Sender(), tc.released)
			}
			if d := tr.Direction(); d != tc.after {
				t.Errorf("direction after: %s, want %s", d, tc.after)
			}
		})
	}
}

// TestFenceIdle: only an audio or video m-line that the offer leaves
// recvonly or inactive (by its own direction or the session's), that is
// not rejected and names no SSRC and no RID, gets the idle a=ssrc line;
// any other offer comes back unchanged.
func TestFenceIdle(t *testing.T) {
	head := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	section := func(media, port, extra string) string {
		return "m=" + media + " " + port + " UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n" + extra
	}
	const fence = "a=ssrc:" + idleSSRC + "\r\n"
	for _, tc := range []struct {
		name, offer string
		fenced      bool
	}{
		{"inactive", head + section("video", "9", "a=inactive\r\n"), true},
		{"recvonly", head + section("audio", "9", "a=recvonly\r\n"), true},
		{"audio sendrecv, video inactive", head + section("audio", "9", "a=sendrecv\r\n") + section("video", "9", "a=inactive\r\n"), true},
		{"session inactive", head + "a=inactive\r\n" + section("video", "9", ""), true},
		{"session inactive, m-line sendrecv", head + "a=inactive\r\n" + section("video", "9", "a=sendrecv\r\n"), false},
		{"inactive, SSRC named", head + section("video", "9", "a=inactive\r\na=ssrc:1234 cname:x\r\n"), false},
		{"inactive, RID named", head + section("video", "9", "a=inactive\r\na=rid:h send\r\n"), false},
		{"sendrecv, no SSRC", head + section("video", "9", "a=sendrecv\r\n"), false},
		{"sendonly, no SSRC", head + section("video", "9", "a=sendonly\r\n"), false},
		{"no direction, no SSRC", head + section("video", "9", ""), false},
		{"rejected", head + section("video", "0", "a=inactive\r\n"), false},
		{"bundle-only, port 0, inactive", head + section("video", "0", "a=bundle-only\r\na=inactive\r\n"), true},
		// pion reads a malformed m-line's first direction: sendrecv here.
		{"sendrecv then recvonly", head + section("video", "9", "a=sendrecv\r\na=recvonly\r\n"), false},
		{"recvonly then sendrecv", head + section("video", "9", "a=recvonly\r\na=sendrecv\r\n"), true},
		{"not SDP, inactive", "a=inactive garbage", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FenceIdle(tc.offer)
			if !tc.fenced {
				if got != tc.offer {
					t.Fatalf("offer changed:\n%s", got)
				}
				return
			}
			if !strings.HasSuffix(got, fence) || strings.Count(got, "a=ssrc:") != 1 {
				t.Fatalf("m-line not fenced with %q:\n%s", fence, got)
			}
			// Still an SDP.
			d := &sdp.SessionDescription{}
			if err := d.UnmarshalString(got); err != nil {
				t.Fatal(err)
			}
		})
	}
}
