package webrtc

import (
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
)

// TestInfoDTLSAndDates: handle_info's DTLS section says what was
// negotiated, as Janus 1.1.2's does (test/janusref): the SRTP profile
// pion agreed (in OpenSSL's names), the role Argus took (passive when it
// offered actpass and the client answered active), its fingerprint in
// upper case as in the SDP, whether SCTP is up, no RTP profile without
// RTP, and the dates of each step in order.
func TestInfoDTLSAndDates(t *testing.T) {
	tests := []struct {
		offers   string // "argus" or "client"
		role     string
		profile  string
		wantSCTP bool
	}{
		{"argus", "passive", "SRTP_AEAD_AES_128_GCM", true},
		{"client", "active", "SRTP_AEAD_AES_256_GCM", true},
	}
	for _, tt := range tests {
		t.Run(tt.offers+" offers", func(t *testing.T) {
			peer, _ := dataCall(t, tt.offers)
			dtls := func() map[string]any { return peer.Info()["webrtc"].(map[string]any)["dtls"].(map[string]any) }
			testkit.Until(t, 10*time.Second, "DTLS and SCTP up", func() bool {
				d := dtls()
				return d["connected"] != nil && d["sctp-association"] == tt.wantSCTP
			})
			info := peer.Info()
			d := dtls()
			if d["srtp-profile"] != tt.profile || d["dtls-role"] != tt.role {
				t.Errorf("srtp-profile %v, dtls-role %v; want %s, %s", d["srtp-profile"], d["dtls-role"], tt.profile, tt.role)
			}
			fp, _ := d["fingerprint"].(string)
			local := info["sdps"].(map[string]any)["local"].(string)
			if fp == "" || fp != strings.ToUpper(fp) || !strings.Contains(local, " "+fp) {
				t.Errorf("fingerprint %q: want upper case, as in the local SDP", fp)
			}
			if p, ok := info["sdps"].(map[string]any)["profile"]; ok {
				t.Errorf("sdps.profile = %v without audio or video", p)
			}
			ice := info["webrtc"].(map[string]any)["ice"].(map[string]any)
			var prev time.Time
			for _, at := range []struct {
				where map[string]any
				key   string
			}{
				{info, "agent-created"}, {info, "agent-started"}, {ice, "connected"},
				{d, "handshake-started"}, {d, "connected"},
			} {
				when, ok := at.where[at.key].(time.Time)
				if !ok || when.Before(prev) {
					t.Errorf("%s = %v (after %v): want a date, in order", at.key, at.where[at.key], prev)
				}
				prev = when
			}
			if _, ok := ice["gathered"].(time.Time); !ok {
				t.Errorf("ice gathered = %v", ice["gathered"])
			}
		})
	}
}

// TestInfoMediaShape: the per-stream entries take Janus 1.1.2's shape:
// integer jitters, received NACKs and retransmissions only for video,
// and the remote a=msid as "msid".
func TestInfoMediaShape(t *testing.T) {
	for _, kind := range []string{"audio", "video"} {
		o := mediumSample{Media: kind, JitterLocal: 2.6, JitterRemote: 0.4}.infoObject()
		in := o["stats"].(map[string]any)["in"].(map[string]any)
		_, nacks := in["nacks"]
		_, retrans := in["retransmissions"]
		if nacks != (kind == "video") || retrans != (kind == "video") {
			t.Errorf("%s stats.in = %v: want nacks and retransmissions only for video", kind, in)
		}
		rtcp := o["rtcp"].(map[string]any)["main"].(map[string]any)
		if rtcp["jitter-local"] != int64(3) || rtcp["jitter-remote"] != int64(0) {
			t.Errorf("%s jitters = %#v, %#v: want rounded integers", kind, rtcp["jitter-local"], rtcp["jitter-remote"])
		}
	}
	raw := "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=msid:stream0 track0\r\na=rtpmap:111 opus/48000/2\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n"
	d, err := parseSDP(raw)
	if err != nil {
		t.Fatal(err)
	}
	l := parseLayout(d)
	if l.profile != "UDP/TLS/RTP/SAVPF" {
		t.Errorf("layout profile = %q", l.profile)
	}
	if got := l.msids["0"]; got != [2]string{"stream0", "track0"} {
		t.Errorf("msid of mid 0 = %v", got)
	}
	if _, ok := l.msids["1"]; ok {
		t.Errorf("msid of mid 1 without a=msid = %v", l.msids["1"])
	}
}

// TestStatsWhileClosing: pion's statistics read while the PeerConnection
// closes (the final media report's data channel counters when Close stops
// waiting for it, an Admin API handle_info racing a hangup): pion's Close
// clears what GetStats reads without a lock of theirs, so Peer orders the
// two (pionStats) and the race detector has nothing to report.
func TestStatsWhileClosing(t *testing.T) {
	for range 5 {
		// A receiver: GetStats reads what Close clears for each one.
		peer := newPeer(t, testEngine(t, &recorder{}), PeerParams{SessionID: 1, HandleID: 2, Observer: &observer{}})
		connect(t, peer)
		testkit.Until(t, 10*time.Second, "DTLS up", func() bool {
			return peer.Info()["webrtc"].(map[string]any)["dtls"].(map[string]any)["srtp-profile"] != "none"
		})
		stop := make(chan struct{})
		queried := make(chan int)
		go func() {
			n := 0
			for {
				select {
				case <-stop:
					queried <- n
					return
				default:
				}
				_ = peer.pionStats()
				n++
			}
		}()
		peer.Close("test")
		close(stop)
		if n := <-queried; n == 0 {
			t.Fatal("no statistics were read while the PeerConnection closed")
		}
	}
}

// TestInfoOwnOfferNoRemoteMsid: between Argus's own offer and the
// client's answer, handle_info's media entries name no remote-stream or
// remote-track: the only a=msid lines there are Argus's own (a
// VideoRoom subscriber's), which Janus never reports as the remote's.
func TestInfoOwnOfferNoRemoteMsid(t *testing.T) {
	peer := newPeer(t, testEngine(t, nil), PeerParams{})
	tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "own-track", "own-stream")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := peer.PeerConnection().AddTrack(tr); err != nil {
		t.Fatal(err)
	}
	offer, err := peer.CreateOffer(ctxT(t), false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(offer, "a=msid:own-stream own-track") {
		t.Fatalf("the offer has no a=msid of its own track:\n%s", offer)
	}
	media, _ := peer.Info()["webrtc"].(map[string]any)["media"].(map[string]any)
	if len(media) == 0 {
		t.Fatalf("no media entries after the offer: %v", peer.Info()["webrtc"])
	}
	for mid, m := range media {
		if ids, ok := m.(map[string]any)["msid"]; ok {
			t.Errorf("media %s: msid %v before any answer: Argus's own offer's, as the remote's", mid, ids)
		}
	}
}
