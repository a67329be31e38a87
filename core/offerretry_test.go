package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// refuseOffer sends offer to handle h with request (a refusal: "error",
// answered 462, or "refuse", an ack and then an event without a JSEP)
// under transaction tr and waits for the refusal.
func refuseOffer(t *testing.T, e *env, s, h uint64, tr, request, offer string) {
	t.Helper()
	m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, tr, request, "offer", offer))
	if request == "error" {
		if code, _ := errOf(t, m); code != core.CodePluginMessage {
			t.Fatalf("refused offer: %v, want 462", m)
		}
		return
	}
	if m["janus"] != "ack" {
		t.Fatalf("refused offer: %v, want ack", m)
	}
	if _, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool {
		return p.JSON["transaction"] == tr && p.JSON["janus"] == "event" && p.JSON["jsep"] == nil
	}); err != nil {
		t.Fatal("no refusal event")
	}
}

// answerOffer sends offer with request "answer" under transaction tr,
// applies the plugin's answer to pc and returns the event.
func answerOffer(t *testing.T, e *env, s, h uint64, tr string, pc *pion.PeerConnection, offer string) coretest.Pushed {
	t.Helper()
	if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, tr, "answer", "offer", offer)); m["janus"] != "ack" {
		t.Fatalf("retried offer: %v, want ack (the refused offer must not block it)", m)
	}
	ev, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["transaction"] == tr && p.JSON["janus"] == "event" })
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
	return ev
}

// waitMediaFlows sends Opus packets on track until the handle's client
// hears "media" receiving=true.
func waitMediaFlows(t *testing.T, e *env, track interface{ WriteRTP(*rtp.Packet) error }) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for seq := uint16(1); ; seq++ {
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0xf8, 0xff, 0xfe}}
		if err := track.WriteRTP(pkt); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.WaitFor(20*time.Millisecond, func(p coretest.Pushed) bool { return p.JSON["janus"] == "media" && p.JSON["receiving"] == true }); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no media receiving=true push")
		}
	}
}

// TestOfferRetryAfterRefusal: a plugin that refuses a message carrying an
// offer (a 462, or an event without an answer) leaves nothing behind: the
// client's next offer on the same handle is applied and answered, and
// media flows. The retry is the same offer again (a client whose
// PeerConnection keeps its offer) or, on a first offer, a new client
// PeerConnection's, sent as soon as the refusal is read, with room for one
// PeerConnection only.
func TestOfferRetryAfterRefusal(t *testing.T) {
	for _, tc := range []struct {
		name, request string
		newClient     bool
	}{
		{"error/same offer", "error", false},
		{"refuse/same offer", "refuse", false},
		{"error/new client", "error", true},
		{"refuse/new client", "refuse", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peerEvents := &recorder{}
			eng := coretest.Engine(t, webrtc.Config{ServerName: "test", NoMediaTimer: 300 * time.Millisecond, Emitter: peerEvents})
			// One PeerConnection at most: the refused offer's must have
			// given its slot back when the retry, sent at once, needs one.
			e := newEnv(t, func(c *core.Config) { c.Engine = eng; c.Limits.MaxPeerConnections = 1 })
			s := e.create(e.c)
			h := e.attach(s, pluginA)
			pc, offer, track := clientOfferTrack(t, true)
			refuseOffer(t, e, s, h, "o0", tc.request, offer)
			if tc.newClient {
				pc, offer, track = clientOfferTrack(t, true)
			}
			answerOffer(t, e, s, h, "o1", pc, offer)
			if _, err := e.c.WaitJanus("webrtcup", wait); err != nil {
				t.Fatal(err)
			}
			waitMediaFlows(t, e, track)
			if msgs := e.a.Sessions()[0].Messages(); len(msgs) != 2 || msgs[1].JSEP == nil || msgs[1].JSEP.Update {
				t.Fatalf("the retried offer reached the plugin as %+v, want a first negotiation", msgs)
			}
			noHangupHeard(t, e)
			// The refused offer's PeerConnection was replaced silently:
			// for event consumers there was one, never hung up.
			if got := peerEvents.find(telemetry.TypeWebRTC, `"hangup"`); len(got) != 0 {
				t.Fatalf("hangup events: %v", got)
			}
			if got := peerEvents.find(telemetry.TypeWebRTC, `"webrtcup"`); len(got) != 1 {
				t.Fatalf("webrtcup events: %v", got)
			}
			if c := e.g.Counts(); c.PeerConnections != 1 {
				t.Fatalf("counts: %+v", c)
			}
		})
	}
}

// TestRenegotiationRetryAfterRefusal: a refused renegotiation offer keeps
// the PeerConnection up, and the client's next offer renegotiates.
func TestRenegotiationRetryAfterRefusal(t *testing.T) {
	for _, request := range []string{"error", "refuse"} {
		t.Run(request, func(t *testing.T) {
			e := engineEnv(t)
			s := e.create(e.c)
			h := e.attach(s, pluginA)
			pc, offer, track := clientOfferTrack(t, true)
			connectPC(t, e, s, h, pc, offer)
			waitMediaFlows(t, e, track)

			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			reoffer, err := pc.CreateOffer(nil)
			if err != nil {
				t.Fatal(err)
			}
			gathered := pion.GatheringCompletePromise(pc)
			if err := pc.SetLocalDescription(reoffer); err != nil {
				t.Fatal(err)
			}
			select {
			case <-gathered:
			case <-ctx.Done():
				t.Fatal("client gathering")
			}
			again := pc.LocalDescription().SDP
			refuseOffer(t, e, s, h, "r0", request, again)
			answerOffer(t, e, s, h, "r1", pc, again)
			if msgs := e.a.Sessions()[0].Messages(); len(msgs) != 3 || msgs[2].JSEP == nil || !msgs[2].JSEP.Update {
				t.Fatalf("the retried offer reached the plugin as %+v, want a renegotiation", msgs)
			}
			if c := e.g.Counts(); c.PeerConnections != 1 {
				t.Fatalf("counts: %+v", c)
			}
			// Media still flows on the PeerConnection: the plugin's
			// client hears it stop only if packets stop.
			noHangupHeard(t, e)
		})
	}
}

// noHangupHeard fails t if the client got a "hangup" or the plugin a
// Hangup call: neither hears of a refused offer's PeerConnection.
func noHangupHeard(t *testing.T, e *env) {
	t.Helper()
	for _, p := range e.c.Messages() {
		if p.JSON["janus"] == "hangup" {
			t.Fatalf("the client got a hangup: %v", p.JSON)
		}
	}
	if _, hangups, _ := e.a.Sessions()[0].Stats(); hangups != 0 {
		t.Fatalf("plugin Hangup calls = %d, want 0", hangups)
	}
}
