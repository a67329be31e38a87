package core_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// counter is a RefusalCounter that records counts by limit.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) Refused(limit string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[limit] += n
}

func (c *counter) get(limit string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[limit]
}

func limitedEnv(t *testing.T) (*env, *counter) {
	cnt := &counter{}
	e := newEnv(t, func(c *core.Config) {
		c.Limits = core.Limits{MaxHandlesPerSession: 3, MaxPendingTrickles: 5, MaxSDPSize: 2000, MaxMLines: 4}
		c.Refusals = cnt
	})
	return e, cnt
}

// TestPendingTricklesBounded replays the issue 10 attack in small: trickles
// to a handle with no PeerConnection queue at most MaxPendingTrickles
// candidates; the rest are refused with a Janus error and counted.
func TestPendingTricklesBounded(t *testing.T) {
	e, cnt := limitedEnv(t)
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	cand := `{"sdpMid":"0","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}`
	three := "[" + strings.Repeat(cand+",", 2) + cand + "]"
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidates":%s}`, s, h, three); m["janus"] != "ack" {
		t.Fatalf("first trickle: %v", m)
	}
	m := e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidates":%s}`, s, h, three)
	if code, reason := errOf(t, m); code != 490 || !strings.Contains(reason, "limit 5") {
		t.Fatalf("overflowing trickle: %v", m)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidate":%s}`, s, h, cand)
	if code, _ := errOf(t, m); code != 490 {
		t.Fatalf("trickle to a full queue: %v", m)
	}
	if got := cnt.get(core.LimitTrickles); got != 2 {
		t.Fatalf("dropped candidates counted %d, want 2", got)
	}
	info := e.admin(`{"janus":"handle_info","transaction":"i","admin_secret":"","session_id":%d,"handle_id":%d}`, s, h)
	hi, _ := info["info"].(map[string]any)
	if hi == nil || num(t, hi["pending-trickles"]) != 5 {
		t.Fatalf("handle_info pending-trickles: %v", info)
	}
}

func TestSessionsBounded(t *testing.T) {
	cnt := &counter{}
	e := newEnv(t, func(c *core.Config) { c.Limits.MaxSessions = 2; c.Refusals = cnt })
	e.create(e.c)
	s := e.create(e.c)
	m := e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c"}`)
	if code, reason := errOf(t, m); code != 472 || !strings.Contains(reason, "limit 2") {
		t.Fatalf("third create: %v", m)
	}
	if cnt.get(core.LimitSessions) != 1 {
		t.Fatal("refusal not counted")
	}
	e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"d","session_id":%d}`, s)
	e.create(e.c) // a destroyed session frees its slot
}

func TestHandlesPerSessionBounded(t *testing.T) {
	e, cnt := limitedEnv(t)
	s := e.create(e.c)
	for range 3 {
		e.attach(s, pluginA)
	}
	m := e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q}`, s, pluginA)
	if code, reason := errOf(t, m); code != 461 || !strings.Contains(reason, "too many handles") {
		t.Fatalf("fourth attach: %v", m)
	}
	if cnt.get(core.LimitHandles) != 1 {
		t.Fatalf("refusal not counted")
	}
	// Another session has its own budget.
	e.attach(e.create(e.c), pluginA)
}

func TestSDPLimits(t *testing.T) {
	e, cnt := limitedEnv(t)
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	mlines := "v=0\r\n" + strings.Repeat("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", 5)
	tests := []struct {
		name, sdp, reason, limit string
	}{
		{"too large", strings.Repeat("a", 2001), "JSEP error: SDP too large (2001 bytes, limit 2000)", core.LimitSDPSize},
		{"too many m-lines", mlines, "JSEP error: too many m-lines (5, limit 4)", core.LimitMLines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.req(e.c, core.PathIDs{}, `{"janus":"message","transaction":"m","session_id":%d,"handle_id":%d,"body":{},"jsep":{"type":"offer","sdp":%q}}`, s, h, tt.sdp)
			if code, reason := errOf(t, m); code != 465 || reason != tt.reason {
				t.Fatalf("got %v", m)
			}
			if cnt.get(tt.limit) != 1 {
				t.Fatalf("refusal of %s not counted", tt.limit)
			}
		})
	}
}

func TestInvalidUTF8Refused(t *testing.T) {
	e, cnt := limitedEnv(t)
	for _, raw := range []string{
		"{\"janus\":\"info\",\"transaction\":\"\xff\"}",
		"{\"janus\":\"ping\",\n\"transaction\":\"a\xc3\"}",
	} {
		for name, out := range map[string][]byte{
			"janus": e.g.HandleJanus(t.Context(), e.c, []byte(raw), core.PathIDs{}),
			"admin": e.g.HandleAdmin(t.Context(), e.c, []byte(raw), core.PathIDs{}),
		} {
			m := decode(out)
			if code, reason := errOf(t, m); code != 454 || !strings.Contains(reason, "unable to decode byte") {
				t.Fatalf("%s %q: %s", name, raw, out)
			}
		}
	}
	if cnt.get(core.LimitUTF8) != 4 {
		t.Fatalf("counted %d", cnt.get(core.LimitUTF8))
	}
	// Valid multi-byte UTF-8 still passes.
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"ping","transaction":"héllo ☃"}`); m["janus"] != "pong" {
		t.Fatalf("utf-8 ping: %v", m)
	}
}

// TestStaleTricklesDropped: queued candidates older than the candidates
// timeout make room for new ones and are counted.
func TestStaleTricklesDropped(t *testing.T) {
	cnt := &counter{}
	e := newEnv(t, func(c *core.Config) {
		c.Limits = core.Limits{MaxPendingTrickles: 2}
		c.CandidatesTimeout = 100 * time.Millisecond
		c.Refusals = cnt
	})
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	trickle := func() map[string]any {
		return e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidates":[{"sdpMid":"0","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"},{"sdpMid":"0","candidate":"candidate:2 1 udp 1 127.0.0.1 10 typ host"}]}`, s, h)
	}
	if m := trickle(); m["janus"] != "ack" {
		t.Fatalf("first: %v", m)
	}
	time.Sleep(300 * time.Millisecond)
	if m := trickle(); m["janus"] != "ack" {
		t.Fatalf("after the old ones went stale: %v", m)
	}
	if cnt.get(core.LimitStaleICE) != 2 || cnt.get(core.LimitTrickles) != 0 {
		t.Fatalf("counted %v", cnt.n)
	}
}

// TestOpaqueIDBounded: an attach whose opaque_id is longer than
// MaxOpaqueIDSize is refused with a 467 and counted; no handle is made.
func TestOpaqueIDBounded(t *testing.T) {
	e, cnt := limitedEnv(t)
	s := e.create(e.c)
	long := strings.Repeat("x", core.MaxOpaqueIDSize+1)
	m := e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q,"opaque_id":%q}`, s, pluginA, long)
	if code, reason := errOf(t, m); code != 467 || !strings.Contains(reason, "opaque_id") || !strings.Contains(reason, "256") {
		t.Fatalf("attach with a long opaque_id: %v", m)
	}
	if got := cnt.get(core.LimitOpaqueID); got != 1 {
		t.Fatalf("refusals counted %d, want 1", got)
	}
	atMost := strings.Repeat("y", core.MaxOpaqueIDSize)
	m = e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q,"opaque_id":%q}`, s, pluginA, atMost)
	if m["janus"] != "success" {
		t.Fatalf("attach with a %d-byte opaque_id: %v", core.MaxOpaqueIDSize, m)
	}
	info := e.admin(`{"janus":"list_handles","transaction":"l","admin_secret":"","session_id":%d}`, s)
	if hs, _ := info["handles"].([]any); len(hs) != 1 {
		t.Fatalf("handles after the refused attach: %v", info)
	}
}

// TestRemoteCandidatesBounded replays audit finding 5 in small: trickles
// to a handle whose PeerConnection exists are acknowledged, as Janus
// acknowledges a candidate it cannot add, but the PeerConnection takes at
// most webrtc.MaxRemoteCandidates (the offer's own count); the rest are
// dropped and counted.
func TestRemoteCandidatesBounded(t *testing.T) {
	cnt := &counter{}
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test"})
	e := newEnv(t, func(c *core.Config) { c.Engine = eng; c.Refusals = cnt })
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	_, offer := clientOffer(t)
	if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o1", "answer", "offer", offer)); m["janus"] != "ack" {
		t.Fatalf("offer: %v", m)
	}
	if _, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["transaction"] == "o1" && p.JSON["jsep"] != nil }); err != nil {
		t.Fatal("no answer event")
	}
	const sent = webrtc.MaxRemoteCandidates + 50
	cands := make([]string, sent)
	for i := range cands {
		cands[i] = fmt.Sprintf(`{"sdpMid":"0","candidate":"candidate:%d 1 udp 2130706431 127.0.0.1 %d typ host"}`, i, 10000+i)
	}
	m := e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidates":[%s]}`,
		s, h, strings.Join(cands[:sent-1], ","))
	if m["janus"] != "ack" {
		t.Fatalf("trickle: %v", m)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidate":%s}`, s, h, cands[sent-1])
	if m["janus"] != "ack" {
		t.Fatalf("trickle beyond the limit: %v", m)
	}
	want := sent - (webrtc.MaxRemoteCandidates - strings.Count(offer, "a=candidate:"))
	if got := cnt.get(core.LimitRemoteCandidates); got != want {
		t.Fatalf("dropped candidates counted %d, want %d", got, want)
	}
}
