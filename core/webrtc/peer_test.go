package webrtc

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// TestPeerLoopback runs a Peer against a plain pion client on loopback:
// early trickled candidates, offer/answer, RTP both ways, events, close.
func TestPeerLoopback(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 11, HandleID: 22, OpaqueID: "op", Observer: obs})

	// Server side: echo audio back on a local track.
	spc := peer.PeerConnection()
	echo, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	spc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		wg.Add(1)
		defer wg.Done()
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			_ = echo.WriteRTP(pkt)
		}
	})

	// Client: a browser's, which offers transport-cc (checked below).
	client := newClientOf(t, browserAPI(t))
	ctrack := addOpusTrack(t, client)
	echoed := countRTP(client)
	var cands []pion.ICECandidateInit
	var cmu sync.Mutex
	client.OnICECandidate(func(c *pion.ICECandidate) {
		if c != nil {
			cmu.Lock()
			cands = append(cands, c.ToJSON())
			cmu.Unlock()
		}
	})
	offer, _ := gatherLocal(t, client, pion.SDPTypeOffer)

	// Early trickle: candidates arrive before the offer and are queued.
	cmu.Lock()
	early := append([]pion.ICECandidateInit(nil), cands...)
	cmu.Unlock()
	if len(early) == 0 {
		t.Fatal("client gathered no candidate")
	}
	for _, c := range early {
		if err := peer.AddCandidate(Candidate{SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, Candidate: c.Candidate}); err != nil {
			t.Fatalf("AddCandidate: %v", err)
		}
	}
	zero := uint16(0)
	if err := peer.AddCandidate(Candidate{SDPMLineIndex: &zero, Completed: true}); err != nil {
		t.Fatalf("end of candidates: %v", err)
	}
	if err := peer.SetRemoteDescription(ctxT(t), "offer", offer); err != nil { // offer without candidates
		t.Fatal(err)
	}
	if _, err := spc.AddTrack(echo); err != nil {
		t.Fatal(err)
	}
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, "a=candidate:") {
		t.Fatalf("answer has no candidates (half-trickle): %s", answer)
	}
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}

	testkit.Until(t, 10*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })
	sendUntil(t, ctrack, echoed, 20)
	mid := spc.GetTransceivers()[0].Mid()
	testkit.Until(t, 5*time.Second, "media receiving true", func() bool { return obs.has(mid + "/audio/true") })
	testkit.Until(t, 5*time.Second, "media report with traffic", func() bool {
		return len(rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, func(b map[string]any) bool {
			pr, _ := b["packets-received"].(uint64)
			ps, _ := b["packets-sent"].(uint64)
			br, _ := b["bytes-received"].(uint64)
			return b["mid"] == mid && b["media"] == "audio" && b["codec"] == "opus" && pr >= 20 && ps >= 20 && br >= 20*100
		})) > 0
	})
	// Silence → receiving false after NoMediaTimer.
	testkit.Until(t, 5*time.Second, "media receiving false", func() bool { return obs.has(mid + "/audio/false") })

	info := peer.Info()
	flags := info["flags"].(map[string]any)
	for _, f := range []string{"got-offer", "got-answer", "negotiated", "ready", "has-audio", "trickle", "all-trickles"} {
		if flags[f] != true {
			t.Errorf("flag %s = %v", f, flags[f])
		}
	}
	w := info["webrtc"].(map[string]any)
	media := w["media"].(map[string]any)[mid].(map[string]any)
	in := media["stats"].(map[string]any)["in"].(map[string]any)
	if in["packets"].(uint64) < 20 {
		t.Errorf("info stats in = %v", in)
	}
	if bwe := w["bwe"].(map[string]any); bwe["twcc"] != true {
		t.Errorf("bwe = %v", bwe)
	}
	if ext := w["extensions"].(map[string]any); ext[extTWCC] == nil {
		t.Errorf("extensions = %v", ext)
	}
	if info["ice-role"] != "controlled" {
		t.Errorf("ice-role = %v", info["ice-role"])
	}

	peer.Close("Janus API")
	peer.Close("again")
	waitDone(t, peer, 5*time.Second, "Done not closed")
	if _, _, h := obs.snapshot(); len(h) != 1 || h[0] != "Janus API" {
		t.Fatalf("hangups = %v", h)
	}
	// The final report, sent at hangup, still has the totals.
	reports := rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, nil)
	if last := telemetrytest.Fields(reports[len(reports)-1].Body); last["packets-received"].(uint64) < 20 {
		t.Errorf("final report = %v", last)
	}
	_ = client.Close()
	wg.Wait()

	checks := []struct {
		name string
		typ  telemetry.Type
		sub  int
		pred func(map[string]any) bool
	}{
		{"jsep remote offer", telemetry.TypeJSEP, 0, func(b map[string]any) bool {
			return b["owner"] == "remote" && b["jsep"].(map[string]any)["type"] == "offer"
		}},
		{"jsep local answer", telemetry.TypeJSEP, 0, func(b map[string]any) bool {
			return b["owner"] == "local" && b["jsep"].(map[string]any)["sdp"] == answer
		}},
		{"ice gathering", telemetry.TypeWebRTC, 1, func(b map[string]any) bool { return b["ice"] == "gathering" && b["stream_id"] == 1 }},
		{"ice connecting", telemetry.TypeWebRTC, 1, func(b map[string]any) bool { return b["ice"] == "connecting" }},
		{"ice connected", telemetry.TypeWebRTC, 1, func(b map[string]any) bool { return b["ice"] == "connected" }},
		{"ice ready", telemetry.TypeWebRTC, 1, func(b map[string]any) bool { return b["ice"] == "ready" }},
		{"local candidate", telemetry.TypeWebRTC, 2, func(b map[string]any) bool {
			s, _ := b["local-candidate"].(string)
			return s != "" && !strings.HasPrefix(s, "candidate:")
		}},
		{"remote candidate", telemetry.TypeWebRTC, 3, func(b map[string]any) bool { return b["remote-candidate"] != "" }},
		{"selected pair", telemetry.TypeWebRTC, 4, func(b map[string]any) bool {
			s, _ := b["selected-pair"].(string)
			return strings.Contains(s, " <-> ") && strings.Contains(s, "[host,udp]") && b["candidates"] != nil
		}},
		{"dtls trying", telemetry.TypeWebRTC, 5, func(b map[string]any) bool { return b["dtls"] == "trying" }},
		{"dtls connected", telemetry.TypeWebRTC, 5, func(b map[string]any) bool { return b["dtls"] == "connected" }},
		{"webrtcup", telemetry.TypeWebRTC, 6, func(b map[string]any) bool { return b["connection"] == "webrtcup" }},
		{"hangup", telemetry.TypeWebRTC, 6, func(b map[string]any) bool { return b["connection"] == "hangup" && b["reason"] == "Janus API" }},
		{"media receiving", telemetry.TypeMedia, 1, func(b map[string]any) bool { return b["receiving"] == true && b["media"] == "audio" }},
	}
	for _, c := range checks {
		evs := rec.find(c.typ, c.sub, c.pred)
		if len(evs) == 0 {
			t.Errorf("missing event: %s", c.name)
			continue
		}
		e := evs[0]
		if e.Emitter != "test" || e.SessionID != 11 || e.HandleID != 22 || e.OpaqueID != "op" || e.Timestamp == 0 {
			t.Errorf("%s: bad header %+v", c.name, e)
		}
	}
	if n := len(rec.find(telemetry.TypeWebRTC, 6, func(b map[string]any) bool { return b["connection"] == "hangup" })); n != 1 {
		t.Errorf("hangup events = %d", n)
	}
}

func TestSetRemoteDescriptionErrors(t *testing.T) {
	eng := testEngine(t, telemetry.Discard)
	tests := []struct {
		name, typ, sdp string
		want           error
	}{
		{"garbage", "offer", "hello", ErrInvalidSDP},
		{"empty", "offer", "", ErrInvalidSDP},
		{"bad type", "pranswer", validOffer(t, pion.RTPCodecTypeAudio), ErrInvalidSDP},
		{"answer without offer", "answer", validOffer(t, pion.RTPCodecTypeAudio), ErrUnexpectedAnswer},
		{"no media", "offer", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", ErrInvalidSDP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(t, eng, PeerParams{})
			if err := p.SetRemoteDescription(ctxT(t), tc.typ, tc.sdp); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestClosedPeer(t *testing.T) {
	eng := testEngine(t, telemetry.Discard)
	obs := &observer{}
	p, err := eng.NewPeer(PeerParams{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	p.Close("Close PC")
	<-p.Done()
	if err := p.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio)); !errors.Is(err, ErrClosed) {
		t.Errorf("SetRemoteDescription after close: %v", err)
	}
	if _, err := p.CreateAnswer(ctxT(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateAnswer after close: %v", err)
	}
	if err := p.AddCandidate(Candidate{Completed: true}); !errors.Is(err, ErrClosed) {
		t.Errorf("AddCandidate after close: %v", err)
	}
	if _, _, h := obs.snapshot(); len(h) != 1 || h[0] != "Close PC" {
		t.Errorf("hangups = %v", h)
	}
}

func TestAddCandidateValidation(t *testing.T) {
	eng := testEngine(t, telemetry.Discard)
	p := newPeer(t, eng, PeerParams{})
	mid := "0"
	tests := []struct {
		name string
		c    Candidate
		ok   bool
	}{
		{"host", Candidate{SDPMid: &mid, Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"}, true},
		{"no prefix", Candidate{SDPMid: &mid, Candidate: "2 1 udp 2130706431 127.0.0.1 5001 typ host"}, true},
		{"no mid", Candidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"}, false},
		{"empty", Candidate{SDPMid: &mid}, false},
		{"garbage", Candidate{SDPMid: &mid, Candidate: "candidate:hello"}, false},
		{"bad port", Candidate{SDPMid: &mid, Candidate: "candidate:1 1 udp 1 127.0.0.1 99999 typ host"}, false},
		{"completed", Candidate{Completed: true}, true},
	}
	for _, tc := range tests {
		err := p.AddCandidate(tc.c)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidCandidate) {
			t.Errorf("%s: err = %v, want ErrInvalidCandidate", tc.name, err)
		}
	}
}

func TestLinkQuality(t *testing.T) {
	tests := []struct {
		recv, lost int64
		want       int
	}{{0, 0, 100}, {100, 0, 100}, {90, 10, 90}, {0, 10, 0}, {50, -3, 100}}
	for _, tc := range tests {
		if got := linkQuality(tc.recv, tc.lost); got != tc.want {
			t.Errorf("linkQuality(%d,%d) = %d, want %d", tc.recv, tc.lost, got, tc.want)
		}
	}
	if got := mediaLinkQuality(100, 20, 500); got != 80 {
		t.Errorf("mediaLinkQuality = %d, want 80", got)
	}
	if got := mediaLinkQuality(10, 1000, 5000); got != 0 {
		t.Errorf("mediaLinkQuality floor = %d", got)
	}
}

// TestRemoteCandidatesBounded: a PeerConnection takes at most
// MaxRemoteCandidates distinct remote candidates, counting the early
// trickled ones and those of the remote SDP; the next gives
// ErrTooManyCandidates (an ErrInvalidCandidate), a known one still passes,
// and an ICE restart starts the count again.
func TestRemoteCandidatesBounded(t *testing.T) {
	eng := testEngine(t, telemetry.Discard)
	p := newPeer(t, eng, PeerParams{})
	client := newClient(t, pion.RTPCodecTypeAudio)
	_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
	// Candidates of the SDP, whatever the client gathered.
	offer = strings.Replace(offer, "a=mid:0\r\n", "a=mid:0\r\n"+
		"a=candidate:901 1 udp 2130706431 127.0.0.1 9001 typ host\r\n"+
		"a=candidate:902 1 udp 2130706431 127.0.0.1 9002 typ host\r\n", 1)
	inSDP := strings.Count(offer, "a=candidate:")
	if inSDP < 2 {
		t.Fatalf("the offer has %d candidates", inSDP)
	}
	mid := "0"
	cand := func(i int) Candidate {
		return Candidate{SDPMid: &mid, Candidate: fmt.Sprintf("candidate:%d 1 udp 2130706431 127.0.0.1 %d typ host", i, 10000+i)}
	}
	const early = 10
	for i := range early {
		if err := p.AddCandidate(cand(i)); err != nil {
			t.Fatalf("early candidate %d: %v", i, err)
		}
	}
	answerOffer(t, p, client, offer)
	last := MaxRemoteCandidates - inSDP // cand(last) is the first beyond the limit
	for i := early; i < last; i++ {
		if err := p.AddCandidate(cand(i)); err != nil {
			t.Fatalf("candidate %d of %d: %v", i+inSDP+1, MaxRemoteCandidates, err)
		}
	}
	err := p.AddCandidate(cand(last))
	if !errors.Is(err, ErrTooManyCandidates) || !errors.Is(err, ErrInvalidCandidate) {
		t.Fatalf("candidate beyond the limit: %v", err)
	}
	if err := p.AddCandidate(cand(0)); err != nil {
		t.Fatalf("a known candidate again: %v", err)
	}
	restart, err := client.CreateOffer(&pion.OfferOptions{ICERestart: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetLocalDescription(restart); err != nil {
		t.Fatal(err)
	}
	answerOffer(t, p, client, restart.SDP)
	if err := p.AddCandidate(cand(last)); err != nil {
		t.Fatalf("a candidate after an ICE restart: %v", err)
	}
	// Fill the new generation up, then an ICE restart that Argus offers
	// (a VideoRoom subscriber's "restart"): the count starts again too.
	next := last + 1
	for ; ; next++ {
		if err := p.AddCandidate(cand(next)); errors.Is(err, ErrTooManyCandidates) {
			break
		} else if err != nil || next > last+2*MaxRemoteCandidates {
			t.Fatalf("filling the restarted generation, candidate %d: %v", next, err)
		}
	}
	offerFromPeer(t, p, client, true)
	if err := p.AddCandidate(cand(next + 1)); err != nil {
		t.Fatalf("a candidate after an ICE restart Argus offered: %v", err)
	}
}
