package core_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// handleTrail is what the events say of one handle, in order: "jsep
// remote", "hangup <reason>", "detached", and "webrtc"/"media" for the
// PeerConnection's other events; the session's end as "session <name>".
func handleTrail(rec *recorder, h uint64) []string {
	var out []string
	for _, ev := range rec.Events() {
		switch b := ev.Body.(type) {
		case telemetry.SessionBody:
			if b.Name == "destroyed" || b.Name == "timeout" {
				out = append(out, "session "+b.Name)
			}
			continue
		case telemetry.HandleBody:
			if ev.HandleID == h && b.Name == "detached" {
				out = append(out, "detached")
			}
			continue
		}
		if ev.HandleID != h {
			continue
		}
		switch b := ev.Body.(type) {
		case telemetry.JSEPBody:
			out = append(out, "jsep "+b.Owner)
		case telemetry.PeerConnectionBody:
			if b.Connection == "hangup" {
				out = append(out, "hangup "+b.Reason)
			} else {
				out = append(out, b.Connection)
			}
		default:
			switch ev.Type {
			case telemetry.TypeWebRTC:
				out = append(out, "webrtc")
			case telemetry.TypeMedia:
				out = append(out, "media")
			}
		}
	}
	return out
}

// hangupsIn returns the "hangup ..." entries of a trail.
func hangupsIn(trail []string) []string {
	var out []string
	for _, s := range trail {
		if strings.HasPrefix(s, "hangup") {
			out = append(out, s)
		}
	}
	return out
}

// TestRefusedFirstOfferEnds: a first offer the plugin refused (a 462, or
// an event without an answer), with no retry, ends for event consumers
// when the handle hangs up, detaches or its session ends: exactly one
// "hangup" event (type 16 subtype 6) with the Janus reason of that end,
// after the PeerConnection's remote jsep, with no PeerConnection event
// after it and before the handle's "detached". The plugin never hears of
// that PeerConnection.
func TestRefusedFirstOfferEnds(t *testing.T) {
	for _, request := range []string{"error", "refuse"} {
		for _, tc := range []struct {
			end, reason string
		}{
			{"detach", "Detach"},
			{"hangup", "Janus API"},
			{"admin hangup", "Admin API"},
			{"destroy", "Detach"},
		} {
			t.Run(request+"/"+tc.end, func(t *testing.T) {
				e, rec, s, h := recordedHandle(t)
				_, offer, _ := clientOfferTrack(t, true)
				refuseOffer(t, e, s, h, "o0", request, offer)
				if got := hangupsIn(handleTrail(rec, h)); len(got) != 0 {
					t.Fatalf("hangup events at the refusal: %v", got)
				}
				switch tc.end {
				case "detach":
					mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h))
				case "hangup", "admin hangup":
					if tc.end == "hangup" {
						mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"u","session_id":%d,"handle_id":%d}`, s, h))
					} else {
						mustSucceed(t, e.admin(`{"janus":"hangup_webrtc","transaction":"u","session_id":%d,"handle_id":%d}`, s, h))
					}
					// A second hangup, then the detach, end nothing more.
					mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"u2","session_id":%d,"handle_id":%d}`, s, h))
					mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h))
				case "destroy":
					mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"x","session_id":%d}`, s))
				}
				// Whatever the refused PeerConnection's goroutines still
				// had to emit is out within this.
				time.Sleep(200 * time.Millisecond)
				trail := handleTrail(rec, h)
				want := "hangup " + tc.reason
				if got := hangupsIn(trail); len(got) != 1 || got[0] != want {
					t.Fatalf("hangup events %v, want [%s]; events: %v", got, want, trail)
				}
				hu, jsep, det := slices.Index(trail, want), slices.Index(trail, "jsep remote"), slices.Index(trail, "detached")
				if jsep < 0 || jsep > hu || det < hu {
					t.Fatalf("events %v: want the remote jsep, then the hangup, then detached", trail)
				}
				if det != hu+1 {
					t.Fatalf("events %v: PeerConnection events after the hangup", trail)
				}
				if tc.end == "destroy" && slices.Index(trail, "session destroyed") < det {
					t.Fatalf("events %v: the session ended before its handle", trail)
				}
				if _, hangups, _ := e.a.Sessions()[0].Stats(); hangups != 0 {
					t.Fatalf("plugin Hangup calls = %d, want 0", hangups)
				}
			})
		}
	}
}

// TestRefusedFirstOfferRetryEnds: when the client retries after the
// refusal, the retry's PeerConnection carries on the handle's events and
// its own hangup ends them: one "hangup" event, not one per
// PeerConnection, through the hangup and the detach after it.
func TestRefusedFirstOfferRetryEnds(t *testing.T) {
	for _, request := range []string{"error", "refuse"} {
		t.Run(request, func(t *testing.T) {
			e, rec, s, h := recordedHandle(t)
			pc, offer, track := clientOfferTrack(t, true)
			refuseOffer(t, e, s, h, "o0", request, offer)
			answerOffer(t, e, s, h, "o1", pc, offer)
			if _, err := e.c.WaitJanus("webrtcup", wait); err != nil {
				t.Fatal(err)
			}
			waitMediaFlows(t, e, track)
			mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"u","session_id":%d,"handle_id":%d}`, s, h))
			if _, err := e.c.WaitJanus("hangup", wait); err != nil {
				t.Fatal(err)
			}
			mustSucceed(t, e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h))
			time.Sleep(200 * time.Millisecond)
			trail := handleTrail(rec, h)
			if got := hangupsIn(trail); len(got) != 1 || got[0] != "hangup Janus API" {
				t.Fatalf("hangup events %v, want [hangup Janus API]; events: %v", got, trail)
			}
			if up, hu := slices.Index(trail, "webrtcup"), slices.Index(trail, "hangup Janus API"); up < 0 || up > hu || slices.Index(trail, "detached") < hu {
				t.Fatalf("events %v: want webrtcup, then the hangup, then detached", trail)
			}
		})
	}
}

// mustSucceed fails t unless m is a "success" answer.
func mustSucceed(t *testing.T, m map[string]any) {
	t.Helper()
	if m["janus"] != "success" {
		t.Fatal(fmt.Sprint("request failed: ", m))
	}
}

// recordedHandle is a core whose core and PeerConnection events a
// recorder keeps, with one session and a handle of pluginA.
func recordedHandle(t *testing.T) (*env, *recorder, uint64, uint64) {
	t.Helper()
	rec := &recorder{}
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test", NoMediaTimer: 300 * time.Millisecond, Emitter: rec})
	e := newEnv(t, func(c *core.Config) { c.Engine = eng; c.Emitter = rec })
	s := e.create(e.c)
	return e, rec, s, e.attach(s, pluginA)
}
