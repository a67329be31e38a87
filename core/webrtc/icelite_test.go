package webrtc

import (
	"errors"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// TestICELiteEcho: an ICE-lite engine (Janus ice_lite), with a socket per
// PeerConnection and with the shared port, answers with a=ice-lite at
// session level (before the first m-line, where Janus puts it) and host
// candidates only; a pion client (a full agent, so controlling) connects
// with its own checks and gets its audio echoed back; handle_info says
// "ice-mode": "lite" and "ice-role": "controlled". A full engine's answer
// has no a=ice-lite.
func TestICELiteEcho(t *testing.T) {
	for _, tc := range []struct {
		name         string
		lite, shared bool
	}{
		{name: "lite, socket per PeerConnection", lite: true},
		{name: "lite, shared port", lite: true, shared: true},
		{name: "full", lite: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := &observer{}
			eng := engineOf(t, Config{ServerName: "test", Emitter: telemetry.Discard, IncludeLoopback: true,
				ICELite: tc.lite, SharedUDP: tc.shared}, nil)
			peer := newPeer(t, eng, PeerParams{Observer: obs})
			echo, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
			if err != nil {
				t.Fatal(err)
			}
			peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
				for {
					pkt, _, err := tr.ReadRTP()
					if err != nil {
						return
					}
					_ = echo.WriteRTP(pkt)
				}
			})
			client := newClient(t)
			ctrack := addOpusTrack(t, client)
			echoed := countRTP(client)
			_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
			if err := peer.SetRemoteDescription(ctxT(t), "offer", offer); err != nil {
				t.Fatal(err)
			}
			if _, err := peer.PeerConnection().AddTrack(echo); err != nil {
				t.Fatal(err)
			}
			answer, err := peer.CreateAnswer(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			checkICELiteAnswer(t, answer, tc.lite)
			if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
				t.Fatal(err)
			}
			testkit.Until(t, 10*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })
			sendUntil(t, ctrack, echoed, 20)
			info := peer.Info()
			if want := map[bool]string{true: "lite", false: "full"}[tc.lite]; info["ice-mode"] != want {
				t.Errorf("ice-mode = %v, want %s", info["ice-mode"], want)
			}
			if info["ice-role"] != "controlled" {
				t.Errorf("ice-role = %v", info["ice-role"])
			}
			if role := client.SCTP().Transport().ICETransport().Role(); role != pion.ICERoleControlling {
				t.Errorf("client ICE role %v, want controlling", role)
			}
		})
	}
}

// TestICELiteOffer: an ICE-lite Peer that offers (a VideoRoom
// subscriber's way round) puts a=ice-lite in its offer, stays the
// controlled side although it offered, and its media reaches the client,
// whose own checks select the pair.
func TestICELiteOffer(t *testing.T) {
	obs := &observer{}
	eng := engineOf(t, Config{ServerName: "test", Emitter: telemetry.Discard, IncludeLoopback: true, ICELite: true}, nil)
	peer := newPeer(t, eng, PeerParams{Observer: obs})
	track, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := peer.PeerConnection().AddTrack(track); err != nil {
		t.Fatal(err)
	}
	offer, err := peer.CreateOffer(ctxT(t), false)
	if err != nil {
		t.Fatal(err)
	}
	checkICELiteAnswer(t, offer, true)
	client := newClient(t)
	got := countRTP(client)
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	_, answer := gatherLocal(t, client, pion.SDPTypeAnswer)
	if err := peer.SetRemoteDescription(ctxT(t), "answer", answer); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 10*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })
	sendUntil(t, track, got, 20)
	if role := peer.Info()["ice-role"]; role != "controlled" {
		t.Errorf("ice-role = %v, want controlled", role)
	}
}

// checkICELiteAnswer checks an answer's (or offer's) a=ice-lite (session
// level, once) and, for a lite agent, that its candidates are host
// candidates.
func checkICELiteAnswer(t *testing.T, answer string, lite bool) {
	t.Helper()
	session, _, _ := strings.Cut(answer, "\nm=")
	if got := strings.Count(answer, "a=ice-lite"); got != map[bool]int{true: 1, false: 0}[lite] ||
		strings.Contains(session, "a=ice-lite") != lite {
		t.Errorf("lite %v: a=ice-lite %d times, session level %v:\n%s", lite, got, strings.Contains(session, "a=ice-lite"), answer)
	}
	n := 0
	for _, line := range strings.Split(answer, "\n") {
		if f := strings.Fields(line); len(f) >= 8 && strings.HasPrefix(f[0], "a=candidate:") {
			n++
			if f[7] != "host" {
				t.Errorf("candidate %q is not a host candidate", line)
			}
		}
	}
	if n == 0 {
		t.Errorf("no candidates in the answer:\n%s", answer)
	}
}

// TestICELiteWithSTUN: a lite agent gathers host candidates only, so
// ICELite with STUN servers is refused at NewEngine (pion would refuse
// every PeerConnection); ICELite with a NAT mapping or the shared port is
// accepted (TestICELiteEcho, TestNATKeepPrivateHostConnects).
func TestICELiteWithSTUN(t *testing.T) {
	_, err := NewEngine(Config{ICELite: true, STUNServers: []string{"stun:192.0.2.1:3478"}})
	if !errors.Is(err, ErrICELiteConfig) {
		t.Fatalf("NewEngine = %v, want %v", err, ErrICELiteConfig)
	}
}
