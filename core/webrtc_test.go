package core_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testpeer"
)

func engineEnv(t *testing.T) *env {
	t.Helper()
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test", NoMediaTimer: 300 * time.Millisecond})
	return newEnv(t, func(c *core.Config) { c.Engine = eng })
}

// clientOffer makes a loopback pion client with one audio transceiver and
// returns it with its complete (non-trickle) offer.
func clientOffer(t *testing.T) (*pion.PeerConnection, string) {
	t.Helper()
	pc, offer, _ := clientOfferTrack(t, false)
	return pc, offer
}

// clientOfferTrack is clientOffer with, if withTrack, an Opus track to send.
func clientOfferTrack(t *testing.T, withTrack bool) (*pion.PeerConnection, string, *pion.TrackLocalStaticRTP) {
	t.Helper()
	p, err := testpeer.New(testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true, Audio: withTrack, StreamID: "argus-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if !withTrack {
		if _, err := p.PC.AddTransceiverFromKind(pion.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	offer, err := p.Offer(ctx, true)
	if err != nil {
		t.Fatalf("client offer: %v", err)
	}
	return p.PC, offer, p.Audio
}

func jsepMsg(t *testing.T, s, h uint64, tr, request, typ, sdp string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{
		"janus": "message", "transaction": tr, "session_id": s, "handle_id": h,
		"body": map[string]any{"request": request}, "jsep": map[string]any{"type": typ, "sdp": sdp, "trickle": false},
	})
	return string(b)
}

// connectPC sends pc's offer to handle h (transaction "o1"), applies the
// answer the plugin sends back and waits for webrtcup.
func connectPC(t *testing.T, e *env, s, h uint64, pc *pion.PeerConnection, offer string) {
	t.Helper()
	if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o1", "answer", "offer", offer)); m["janus"] != "ack" {
		t.Fatalf("offer: %v", m)
	}
	ev, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["transaction"] == "o1" && p.JSON["jsep"] != nil })
	if err != nil {
		t.Fatal("no answer event")
	}
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: ev.JSON["jsep"].(map[string]any)["sdp"].(string)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.WaitJanus("webrtcup", wait); err != nil {
		t.Fatal(err)
	}
}

// TestWebRTCFlow runs offer → plugin answer → webrtcup → hangup → new offer
// with a real engine on loopback.
func TestWebRTCFlow(t *testing.T) {
	e := engineEnv(t)
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	// An early trickle (before any PeerConnection) is queued and acked.
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidate":{"completed":true}}`, s, h); m["janus"] != "ack" {
		t.Fatalf("early trickle: %v", m)
	}
	pc, offer := clientOffer(t)
	m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o1", "answer", "offer", offer))
	if m["janus"] != "ack" {
		t.Fatalf("offer: %v", m)
	}
	ev, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["janus"] == "event" && p.JSON["transaction"] == "o1" })
	if err != nil {
		t.Fatal("no answer event")
	}
	j, ok := ev.JSON["jsep"].(map[string]any)
	if !ok || j["type"] != "answer" {
		t.Fatalf("answer event: %v", ev.JSON)
	}
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: j["sdp"].(string)}); err != nil {
		t.Fatal(err)
	}
	if p, err := e.c.WaitJanus("webrtcup", wait); err != nil || num(t, p.JSON["sender"]) != h {
		t.Fatalf("webrtcup: %v %v", p.JSON, err)
	}
	if c := e.g.Counts(); c.PeerConnections != 1 {
		t.Fatalf("counts: %+v", c)
	}
	ps := e.a.Sessions()[0]
	if setups, _, _ := ps.Stats(); setups != 1 {
		t.Fatalf("SetupMedia calls = %d", setups)
	}
	if msgs := ps.Messages(); msgs[0].JSEP == nil || msgs[0].JSEP.Type != "offer" || msgs[0].JSEP.Update {
		t.Fatalf("plugin JSEP: %+v", msgs[0].JSEP)
	}
	// A client answer while we did not offer → 469.
	m = e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "a1", "sync", "answer", offer))
	if code, reason := errOf(t, m); code != 469 || reason != "Unexpected ANSWER (did we offer?)" {
		t.Fatalf("unexpected answer: %v", m)
	}
	// handle_info shows the PeerConnection.
	info := e.admin(`{"janus":"handle_info","transaction":"t","session_id":%d,"handle_id":%d}`, s, h)["info"].(map[string]any)
	if _, ok := info["webrtc"]; !ok {
		t.Fatalf("handle_info without webrtc: %v", info)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"hg","session_id":%d,"handle_id":%d}`, s, h)
	if m["janus"] != "success" {
		t.Fatalf("hangup: %v", m)
	}
	if p, err := e.c.WaitJanus("hangup", wait); err != nil || p.JSON["reason"] != "Janus API" {
		t.Fatalf("hangup push: %v %v", p.JSON, err)
	}
	if _, hangups, _ := ps.Stats(); hangups != 1 {
		t.Fatalf("plugin Hangup calls = %d", hangups)
	}
	if c := e.g.Counts(); c.PeerConnections != 0 {
		t.Fatalf("counts after hangup: %+v", c)
	}
	// A new offer on the same handle gets a new PeerConnection.
	_, offer2 := clientOffer(t)
	m = e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o2", "answer", "offer", offer2))
	if m["janus"] != "ack" {
		t.Fatalf("second offer: %v", m)
	}
	if _, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["transaction"] == "o2" && p.JSON["jsep"] != nil }); err != nil {
		t.Fatal("no answer to the second offer")
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h)
	if m["janus"] != "success" {
		t.Fatalf("detach: %v", m)
	}
	if c := e.g.Counts(); c.PeerConnections != 0 || c.Handles != 0 {
		t.Fatalf("counts after detach: %+v", c)
	}
}

func TestInvalidSDP(t *testing.T) {
	e := engineEnv(t)
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "x", "sync", "offer", "this is not SDP"))
	if code, reason := errOf(t, m); code != 465 || reason == "" {
		t.Fatalf("invalid SDP: %v", m)
	}
	if len(e.a.Sessions()[0].Messages()) != 0 {
		t.Fatalf("the plugin saw a message with an invalid SDP")
	}
}

// TestMediaAndTrickle checks the media pushes and trickle validation once a
// PeerConnection exists.
func TestMediaAndTrickle(t *testing.T) {
	e := engineEnv(t)
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	pc, offer, track := clientOfferTrack(t, true)
	connectPC(t, e, s, h, pc, offer)
	var seq uint16
	deadline := time.Now().Add(wait)
	for {
		seq++
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0xf8, 0xff, 0xfe}}
		if err := track.WriteRTP(pkt); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.WaitFor(20*time.Millisecond, func(p coretest.Pushed) bool { return p.JSON["janus"] == "media" && p.JSON["receiving"] == true }); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no media receiving=true push")
		}
	}
	p, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["janus"] == "media" && p.JSON["receiving"] == false })
	if err != nil || p.JSON["type"] != "audio" || p.JSON["mid"] == nil || num(t, p.JSON["sender"]) != h {
		t.Fatalf("media receiving=false push: %v %v", p.JSON, err)
	}

	cases := []struct {
		cand   string
		code   uint64
		reason string
	}{
		{`{"sdpMid":0,"candidate":"x"}`, 467, "Invalid element type (sdpMid should be a string)"},
		{`{"sdpMLineIndex":-1,"candidate":"x"}`, 467, "Invalid element type (sdpMLineIndex should be a positive integer)"},
		{`{"candidate":"x"}`, 456, "Missing mandatory element (sdpMid|sdpMLineIndex)"},
		{`{"sdpMid":"0"}`, 456, "Missing mandatory element (candidate)"},
		{`{"sdpMid":"0","candidate":7}`, 467, "Invalid element type (candidate should be a string)"},
		{`{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"}`, 0, ""},
		{`{"completed":true}`, 0, ""},
	}
	for _, tc := range cases {
		m := e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidate":%s}`, s, h, tc.cand)
		code, reason := errOf(t, m)
		if code != tc.code || reason != tc.reason || (code == 0 && m["janus"] != "ack") {
			t.Errorf("trickle %s: %v", tc.cand, m)
		}
	}
	// Errors inside a candidates array are ignored.
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidates":[{"sdpMid":1},5]}`, s, h); m["janus"] != "ack" {
		t.Errorf("candidates with errors: %v", m)
	}
}
