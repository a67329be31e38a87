package webrtc

import (
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// TestICEFailedHangsUp: the client vanishes after offering; ICE fails and
// the Peer hangs up by itself with Janus's reason "ICE failed".
func TestICEFailedHangsUp(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	eng, err := newEngine(Config{ServerName: "test", Emitter: rec, IncludeLoopback: true}, func(se *pion.SettingEngine) {
		se.SetICETimeouts(200*time.Millisecond, 300*time.Millisecond, 50*time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	peer := newPeer(t, eng, PeerParams{Observer: obs})
	client := newClient(t, pion.RTPCodecTypeAudio)
	_, sdp := gatherLocal(t, client, pion.SDPTypeOffer)
	_ = client.Close() // its candidates now lead nowhere

	if err := peer.SetRemoteDescription(ctxT(t), "offer", sdp); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.CreateAnswer(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitDone(t, peer, 15*time.Second, "peer did not hang up")
	if up, _, h := obs.snapshot(); up != 0 || len(h) != 1 || h[0] != "ICE failed" {
		t.Fatalf("webrtcup %d, hangups %v", up, h)
	}
	if len(rec.find(telemetry.TypeWebRTC, subICE, func(b map[string]any) bool { return b["ice"] == "failed" })) != 1 {
		t.Error("no ICE failed event")
	}
	if len(rec.find(telemetry.TypeWebRTC, subPC, func(b map[string]any) bool { return b["reason"] == "ICE failed" })) != 1 {
		t.Error("no hangup event with reason")
	}
	peer.Close("later") // idempotent, no second hangup
	if _, _, h := obs.snapshot(); len(h) != 1 {
		t.Errorf("hangups = %v", h)
	}
}

// TestCombinedMediaReport: with CombineMediaStats one event carries an
// array with one object per medium.
func TestCombinedMediaReport(t *testing.T) {
	rec := &recorder{}
	eng, err := NewEngine(Config{Emitter: rec, IncludeLoopback: true, StatsPeriod: 50 * time.Millisecond, CombineMediaStats: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	peer := newPeer(t, eng, PeerParams{SessionID: 5, HandleID: 6})
	if err := peer.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio, pion.RTPCodecTypeVideo)); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "combined report", func() bool {
		for _, e := range rec.Events() {
			if e.Type != telemetry.TypeMedia || e.Subtype != telemetry.SubtypeMediaReport {
				continue
			}
			arr, ok := e.Body.(telemetry.MediaReports)
			if !ok {
				t.Fatalf("body is %T", e.Body)
			}
			if len(arr) == 2 && arr[0].Media == "audio" && arr[1].Media == "video" && arr[1].MIndex == 1 && e.HandleID == 6 {
				return true
			}
		}
		return false
	})
}

// TestDTLSErrorHangsUp: the client's certificate does not match the
// fingerprint in its offer; the handshake fails and the Peer hangs up with
// Janus's reason "DTLS error".
func TestDTLSErrorHangsUp(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	peer := newPeer(t, testEngine(t, rec), PeerParams{Observer: obs})
	client := newClient(t, pion.RTPCodecTypeAudio)
	_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
	answerOffer(t, peer, client, forgeFingerprint(t, offer))
	waitDone(t, peer, 15*time.Second, "peer did not hang up")
	if up, _, h := obs.snapshot(); up != 0 || len(h) != 1 || h[0] != "DTLS error" {
		t.Fatalf("webrtcup %d, hangups %v", up, h)
	}
	if len(rec.find(telemetry.TypeWebRTC, subDTLS, func(b map[string]any) bool { return b["dtls"] == "failed" })) == 0 {
		t.Error("no DTLS failed event")
	}
}

// forgeFingerprint replaces every a=fingerprint value with another valid one.
func forgeFingerprint(t *testing.T, sdp string) string {
	t.Helper()
	lines := strings.Split(sdp, "\r\n")
	n := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "a=fingerprint:sha-256 ") {
			lines[i] = "a=fingerprint:sha-256 " + strings.TrimSuffix(strings.Repeat("AB:", 32), ":")
			n++
		}
	}
	if n == 0 {
		t.Fatal("no fingerprint in offer")
	}
	return strings.Join(lines, "\r\n")
}
