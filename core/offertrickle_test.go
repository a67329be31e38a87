package core_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// candLine is the line of a host candidate on a documentation address
// (RFC 5737) with port as foundation and port, and ext appended ("" or
// " ufrag X"): no client has it unless it is trickled.
func candLine(port int, ext string) string {
	return fmt.Sprintf("%d 1 udp 2122260223 192.0.2.1 %d typ host%s", port, port, ext)
}

// cand is candLine as a trickled candidate object, with extra members
// (`,"usernameFragment":"x"`) if any.
func cand(port int, ext, extra string) string {
	return fmt.Sprintf(`{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:%s"%s}`, candLine(port, ext), extra)
}

// trickle sends a trickle request with member (`"candidate":{...}` or
// `"candidates":[...]`) and returns the response.
func trickle(e *env, s, h uint64, member string) map[string]any {
	e.t.Helper()
	return e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,%s}`, s, h, member)
}

// mustTrickle is trickle that must be acknowledged.
func mustTrickle(e *env, s, h uint64, member string) {
	e.t.Helper()
	if m := trickle(e, s, h, member); m["janus"] != "ack" {
		e.t.Fatalf("trickle %s: %v", member, m)
	}
}

// peerView is what Admin handle_info shows of a handle's candidates: the
// remote candidates of its PeerConnection (by port), its all-trickles
// flag, and the candidates queued on the handle.
type peerView struct {
	ports       []int
	allTrickles bool
	pending     uint64
}

func viewPeer(e *env, s, h uint64) peerView {
	e.t.Helper()
	m := e.admin(`{"janus":"handle_info","transaction":"i","session_id":%d,"handle_id":%d}`, s, h)
	info, _ := m["info"].(map[string]any)
	if info == nil {
		e.t.Fatalf("handle_info: %v", m)
	}
	var v peerView
	if p, ok := info["pending-trickles"]; ok {
		v.pending = num(e.t, p)
	}
	flags, _ := info["flags"].(map[string]any)
	v.allTrickles = flags["all-trickles"] == true
	w, _ := info["webrtc"].(map[string]any)
	ice, _ := w["ice"].(map[string]any)
	lines, _ := ice["remote-candidates"].([]any)
	for _, l := range lines {
		var port int
		if _, err := fmt.Sscanf(l.(string), "%d 1 udp 2122260223 192.0.2.1", &port); err == nil {
			v.ports = append(v.ports, port)
		}
	}
	slices.Sort(v.ports)
	return v
}

// offerUfrag reads an offer's ICE ufrag (its first m-line's, as pion
// writes it).
func offerUfrag(t *testing.T, offer string) string {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.UnmarshalString(offer); err != nil {
		t.Fatal(err)
	}
	if u, ok := d.Attribute("ice-ufrag"); ok {
		return u
	}
	u, _ := d.MediaDescriptions[0].Attribute("ice-ufrag")
	if u == "" {
		t.Fatal("offer without ice-ufrag")
	}
	return u
}

// TestRefusedFirstOfferPassesTrickles: the candidates a client trickled
// for a first offer the plugin refused (early ones, ones the offer's
// PeerConnection took, end-of-candidates) go to the PeerConnection of its
// retry when that offer has the same ICE ufrag, as janus.js does not
// trickle them again; with a new ufrag (a new ICE session) they do not.
// Candidates naming a ufrag go only to an offer with that ufrag; ones
// trickled after the refusal naming none go to the retry either way.
func TestRefusedFirstOfferPassesTrickles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refusal string // "hold" (refused while the PeerConnection takes trickles) or "error" (462)
		sameICE bool   // the retry is the refused offer again, else a new client's
	}{
		{"event/same ufrag", "hold", true},
		{"event/new ufrag", "hold", false},
		{"462/same ufrag", "error", true},
		{"462/new ufrag", "error", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := engineEnv(t)
			s := e.create(e.c)
			h := e.attach(s, pluginA)
			pc, offer, _ := clientOfferTrack(t, true)
			pc2, offer2, _ := clientOfferTrack(t, true)
			u1, u2 := offerUfrag(t, offer), offerUfrag(t, offer2)
			if u1 == u2 {
				t.Fatal("two clients with one ufrag")
			}
			// Before the offer: queued, then given to its PeerConnection.
			mustTrickle(e, s, h, `"candidate":`+cand(5001, "", ""))
			before := []string{
				`"candidate":` + cand(5002, "", ""),
				`"candidates":[` + cand(5003, "", "") + "," + cand(5004, " generation 0 ufrag "+u1, "") + "]",
				`"candidate":{"completed":true}`,
			}
			if tc.refusal == "error" {
				for _, c := range before {
					mustTrickle(e, s, h, c)
				}
				refuseOffer(t, e, s, h, "o0", "error", offer)
			} else {
				if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o0", "hold", "offer", offer)); m["janus"] != "ack" {
					t.Fatalf("offer: %v", m)
				}
				for _, c := range before {
					mustTrickle(e, s, h, c)
				}
				if v := viewPeer(e, s, h); !slices.Equal(v.ports, []int{5001, 5002, 5003, 5004}) || !v.allTrickles {
					t.Fatalf("the first offer's PeerConnection has %+v", v)
				}
				if err := e.a.Sessions()[0].Handle().Push("o0", map[string]any{"error": "refused"}, nil); err != nil {
					t.Fatal(err)
				}
			}
			// After the refusal: naming the refused offer's ufrag, another
			// one, the new client's, and none.
			mustTrickle(e, s, h, `"candidate":`+cand(5005, "", fmt.Sprintf(`,"usernameFragment":%q`, u1)))
			mustTrickle(e, s, h, `"candidate":`+cand(5006, " ufrag elsewhere", ""))
			mustTrickle(e, s, h, `"candidate":`+cand(5007, "", fmt.Sprintf(`,"usernameFragment":%q`, u2)))
			mustTrickle(e, s, h, `"candidate":`+cand(5008, "", ""))
			if v := viewPeer(e, s, h); v.pending != 9 || v.ports != nil {
				t.Errorf("after the refusal: %+v, want 9 candidates queued and no PeerConnection", v)
			}

			want, wantAll := []int{5001, 5002, 5003, 5004, 5005, 5008}, true
			if tc.sameICE {
				answerOffer(t, e, s, h, "o1", pc, offer)
			} else {
				answerOffer(t, e, s, h, "o1", pc2, offer2)
				want, wantAll = []int{5007, 5008}, false
			}
			if v := viewPeer(e, s, h); !slices.Equal(v.ports, want) || v.allTrickles != wantAll || v.pending != 0 {
				t.Fatalf("the retry's PeerConnection has %+v, want remote candidates %v, all-trickles %v, none queued", v, want, wantAll)
			}
			if _, err := e.c.WaitJanus("webrtcup", wait); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRefusedFirstOfferTricklesBounded: what a refused first offer passes
// on is queued within MaxPendingTrickles, as early trickles are: what the
// PeerConnection took beyond it is dropped and counted, and a trickle to
// the full queue is answered 490.
func TestRefusedFirstOfferTricklesBounded(t *testing.T) {
	e, cnt, s, h, pc, offer := heldFirstOffer(t, 3)
	mustTrickle(e, s, h, `"candidates":[`+cand(5001, "", "")+","+cand(5002, "", "")+","+cand(5003, "", "")+","+cand(5004, "", "")+"]")
	if v := viewPeer(e, s, h); len(v.ports) != 4 || cnt.get(core.LimitTrickles) != 0 {
		t.Fatalf("the PeerConnection took %+v (counted %d), want all 4 and nothing dropped", v, cnt.get(core.LimitTrickles))
	}
	if err := e.a.Sessions()[0].Handle().Push("o0", map[string]any{"error": "refused"}, nil); err != nil {
		t.Fatal(err)
	}
	if v := viewPeer(e, s, h); v.pending != 3 || cnt.get(core.LimitTrickles) != 1 {
		t.Errorf("after the refusal: %+v (counted %d), want 3 queued and 1 dropped", v, cnt.get(core.LimitTrickles))
	}
	m := trickle(e, s, h, `"candidate":`+cand(5005, "", ""))
	if code, reason := errOf(t, m); code != 490 || !strings.Contains(reason, "limit 3") {
		t.Fatalf("trickle to the full queue: %v", m)
	}
	if got := cnt.get(core.LimitTrickles); got != 2 {
		t.Fatalf("dropped candidates counted %d, want 2", got)
	}
	answerOffer(t, e, s, h, "o1", pc, offer)
	if v := viewPeer(e, s, h); !slices.Equal(v.ports, []int{5001, 5002, 5003}) {
		t.Fatalf("the retry's PeerConnection has %+v, want the first 3", v)
	}
}

// TestRefusedFirstOfferTricklesBoundedWithoutLimit: with the pending
// trickles' limit off (-max-pending-trickles -1), what a first offer's
// PeerConnection keeps for a retry is still bounded: by
// webrtc.MaxRemoteCandidates, the most a PeerConnection takes (repeats
// of one candidate pass the Peer, so a client could send them forever).
func TestRefusedFirstOfferTricklesBoundedWithoutLimit(t *testing.T) {
	e, cnt, s, h, _, _ := heldFirstOffer(t, -1)
	const sent = webrtc.MaxRemoteCandidates + 50
	list := make([]string, sent)
	for i := range list {
		list[i] = cand(5001, "", "")
	}
	mustTrickle(e, s, h, `"candidates":[`+strings.Join(list, ",")+"]")
	if err := e.a.Sessions()[0].Handle().Push("o0", map[string]any{"error": "refused"}, nil); err != nil {
		t.Fatal(err)
	}
	if v := viewPeer(e, s, h); v.pending != webrtc.MaxRemoteCandidates || cnt.get(core.LimitTrickles) != sent-webrtc.MaxRemoteCandidates {
		t.Errorf("after the refusal: %+v (counted %d), want %d queued and %d dropped", v, cnt.get(core.LimitTrickles),
			webrtc.MaxRemoteCandidates, sent-webrtc.MaxRemoteCandidates)
	}
}

// heldFirstOffer sets up a core with MaxPendingTrickles limit whose
// plugin holds (does not answer yet) a client's first offer, sent with
// transaction "o0": the env, its refusal counter, the session and handle,
// the client and its offer.
func heldFirstOffer(t *testing.T, limit int) (*env, *counter, uint64, uint64, *pion.PeerConnection, string) {
	t.Helper()
	cnt := &counter{}
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test", NoMediaTimer: 300 * time.Millisecond})
	e := newEnv(t, func(c *core.Config) {
		c.Engine = eng
		c.Limits.MaxPendingTrickles = limit
		c.Refusals = cnt
	})
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	pc, offer, _ := clientOfferTrack(t, true)
	if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o0", "hold", "offer", offer)); m["janus"] != "ack" {
		t.Fatalf("offer: %v", m)
	}
	return e, cnt, s, h, pc, offer
}

// TestRefusedFirstOfferHangupDropsTrickles: a hangup ends the refused
// first offer's PeerConnection for the events (offer.go), and the
// candidates it had kept for a retry go with it: a later offer with the
// same ICE credentials starts a new ICE session as far as the handle
// knows, as after a hangup in Janus.
func TestRefusedFirstOfferHangupDropsTrickles(t *testing.T) {
	e, _, s, h, _, _ := heldFirstOffer(t, 8)
	mustTrickle(e, s, h, `"candidates":[`+cand(5001, "", "")+","+cand(5002, "", "")+"]")
	if err := e.a.Sessions()[0].Handle().Push("o0", map[string]any{"error": "refused"}, nil); err != nil {
		t.Fatal(err)
	}
	if v := viewPeer(e, s, h); v.pending != 2 {
		t.Fatalf("after the refusal: %+v, want the 2 candidates kept", v)
	}
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"h","session_id":%d,"handle_id":%d}`, s, h); m["janus"] != "success" {
		t.Fatalf("hangup: %v", m)
	}
	if v := viewPeer(e, s, h); v.pending != 0 {
		t.Errorf("after the hangup: %+v, want no candidate kept", v)
	}
}
