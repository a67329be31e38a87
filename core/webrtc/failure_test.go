package webrtc

import (
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

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
	peer, err := eng.NewPeer(PeerParams{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientAPI(t).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddTransceiverFromKind(pion.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(client)
	if err := client.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	sdp := client.LocalDescription().SDP
	_ = client.Close() // its candidates now lead nowhere

	if err := peer.SetRemoteDescription(ctxT(t), "offer", sdp); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.CreateAnswer(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-peer.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("peer did not hang up")
	}
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
	peer, err := eng.NewPeer(PeerParams{SessionID: 5, HandleID: 6})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { peer.Close("test"); <-peer.Done() }()
	if err := peer.SetRemoteDescription(ctxT(t), "offer", validOfferAV(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "combined report", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, e := range rec.events {
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

// validOfferAV makes an audio+video offer from a pion client.
func validOfferAV(t *testing.T) string {
	t.Helper()
	pc, err := clientAPI(t).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	for _, k := range []pion.RTPCodecType{pion.RTPCodecTypeAudio, pion.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(k); err != nil {
			t.Fatal(err)
		}
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

// TestDTLSErrorHangsUp: the client's certificate does not match the
// fingerprint in its offer; the handshake fails and the Peer hangs up with
// Janus's reason "DTLS error".
func TestDTLSErrorHangsUp(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	eng := testEngine(t, rec)
	peer, err := eng.NewPeer(PeerParams{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientAPI(t).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	if _, err := client.AddTransceiverFromKind(pion.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(client)
	if err := client.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	forged := forgeFingerprint(t, client.LocalDescription().SDP)
	if err := peer.SetRemoteDescription(ctxT(t), "offer", forged); err != nil {
		t.Fatal(err)
	}
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-peer.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("peer did not hang up")
	}
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
