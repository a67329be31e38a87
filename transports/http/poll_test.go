package http

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/refusals"
	"github.com/argusrtc/argus/internal/testkit"
)

func TestLongPollEventQueuedBeforePoll(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(t)
	if !e.gw.Push(s, `{"janus":"event","n":1}`) {
		t.Fatal("no session")
	}
	r := e.do(t, "GET", fmt.Sprintf("/janus/%d?rid=123", s), "", nil)
	if m := decode(t, r.body); r.status != 200 || m["janus"] != "event" || m["n"] != 1.0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestLongPollMaxev(t *testing.T) {
	tests := []struct {
		name   string
		maxev  string
		pushed int
		want   string
	}{
		{"default single object", "", 2, `{"n":0}`},
		{"maxev 1", "1", 2, `{"n":0}`},
		{"maxev 0 means 1", "0", 1, `{"n":0}`},
		{"maxev garbage means 1", "x", 1, `{"n":0}`},
		{"array of one", "5", 1, `[{"n":0}]`},
		{"array of all", "5", 3, `[{"n":0},{"n":1},{"n":2}]`},
		{"array capped", "2", 3, `[{"n":0},{"n":1}]`},
		{"keepalive object", "", 0, `{"janus":"keepalive"}`},
		{"keepalive array", "10", 0, `[{"janus":"keepalive"}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			s := e.create(t)
			for i := range tc.pushed {
				e.gw.Push(s, fmt.Sprintf(`{"n":%d}`, i))
			}
			r := e.do(t, "GET", fmt.Sprintf("/janus/%d?maxev=%s", s, tc.maxev), "", nil)
			if r.status != 200 || r.body != tc.want {
				t.Fatalf("%d %s, want %s", r.status, r.body, tc.want)
			}
		})
	}
}

func TestLongPollKeepaliveAfterTimeout(t *testing.T) {
	e := newEnv(t, nil) // LongPollTimeout 200ms
	s := e.create(t)
	start := time.Now()
	r := e.do(t, "GET", fmt.Sprintf("/janus/%d", s), "", nil)
	if r.body != `{"janus":"keepalive"}` {
		t.Fatalf("body %s", r.body)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Fatalf("answered after %v, before the park timeout", el)
	}
}

// parkPoll starts a GET of path and returns once the transport has
// touched the session, that is once the long poll is parked; the channel
// yields the poll's response.
func (e *env) parkPoll(t *testing.T, path string) <-chan result {
	t.Helper()
	before := e.gw.Touches()
	done := make(chan result, 1)
	go func() { done <- e.do(t, "GET", path, "", nil) }()
	testkit.Until(t, 5*time.Second, "the poll's Touch", func() bool { return e.gw.Touches() > before })
	return done
}

// answer waits (5 s at most) for the response of a parked poll.
func answer(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("parked poll not answered")
		return result{}
	}
}

func TestLongPollWakesOnPush(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LongPollTimeout = 10 * time.Second })
	s := e.create(t)
	done := e.parkPoll(t, fmt.Sprintf("/janus/%d?maxev=10", s))
	e.gw.Push(s, `{"janus":"webrtcup"}`)
	if r := answer(t, done); r.body != `[{"janus":"webrtcup"}]` {
		t.Fatalf("body %s", r.body)
	}
}

func TestLongPollReleasedByClose(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LongPollTimeout = time.Minute })
	s := e.create(t)
	done := e.parkPoll(t, fmt.Sprintf("/janus/%d", s))
	e.tr.Close()
	if r := answer(t, done); r.body != `{"janus":"keepalive"}` {
		t.Fatalf("body %s", r.body)
	}
}

func TestLongPollSeesTimeoutThenQueueGone(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LongPollTimeout = 10 * time.Second })
	s := e.create(t)
	done := e.parkPoll(t, fmt.Sprintf("/janus/%d", s))
	e.gw.Push(s, fmt.Sprintf(`{"janus":"timeout","session_id":%d}`, s))
	e.gw.End(s)
	if r := answer(t, done); decode(t, r.body)["janus"] != "timeout" {
		t.Fatalf("body %s", r.body)
	}
	if n := e.tr.qs.len(); n != 0 {
		t.Fatalf("%d queues left after SessionOver", n)
	}
	if r := e.do(t, "GET", fmt.Sprintf("/janus/%d", s), "", nil); r.status != 404 {
		t.Fatalf("poll on ended session: %d", r.status)
	}
}

func TestLongPollDuringTeardownWaits(t *testing.T) {
	// janus.js keeps polling until its destroy is answered; while the core
	// tears the session down (Touch fails, SessionOver not yet called) a
	// poll must not answer 404, which janus.js counts as a lost server.
	e := newEnv(t, func(c *Config) { c.LongPollTimeout = time.Second })
	s := e.create(t)
	e.gw.Push(s, `{"janus":"event"}`)
	if r := e.do(t, "GET", fmt.Sprintf("/janus/%d", s), "", nil); r.status != 200 {
		t.Fatalf("first poll: %d", r.status)
	}
	over := e.gw.Forget(s)
	done := e.parkPoll(t, fmt.Sprintf("/janus/%d", s))
	over()
	if r := answer(t, done); r.status != 200 || r.body != `{"janus":"keepalive"}` {
		t.Fatalf("poll during teardown: %d %s", r.status, r.body)
	}
	if r := e.do(t, "GET", fmt.Sprintf("/janus/%d", s), "", nil); r.status != 404 {
		t.Fatalf("poll after the teardown: %d", r.status)
	}
}

func TestLongPollAuth(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(t)
	e.gw.Secret, e.gw.Token = "sesame", "tok"
	tests := []struct {
		query  string
		status int
	}{
		{"", 403},
		{"?apisecret=wrong", 403},
		{"?apisecret=sesame", 200},
		{"?token=tok", 200},
		{"?apisecret=wrong&token=tok", 200},
	}
	for _, tc := range tests {
		r := e.do(t, "GET", fmt.Sprintf("/janus/%d%s", s, tc.query), "", nil)
		if r.status != tc.status {
			t.Errorf("%q: status %d want %d", tc.query, r.status, tc.status)
		}
		if tc.status == 403 && r.body != "" {
			t.Errorf("%q: 403 body %q", tc.query, r.body)
		}
	}
}

func TestLongPollUnknownSession(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.do(t, "GET", "/janus/123456", "", nil); r.status != 404 {
		t.Fatalf("status %d", r.status)
	}
	if n := e.tr.qs.len(); n != 0 {
		t.Fatalf("%d queues left for an unknown session", n)
	}
}

func TestLongPollTouches(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(t)
	e.gw.Push(s, `{"n":1}`)
	before := e.gw.Touches()
	e.do(t, "GET", fmt.Sprintf("/janus/%d", s), "", nil)
	if got := e.gw.Touches() - before; got != 1 {
		t.Fatalf("%d touches", got)
	}
}

func TestGetHandlePathRedirects(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(t)
	before := e.gw.Touches()
	r := e.do(t, "GET", fmt.Sprintf("/janus/%d/77?maxev=5", s), "", nil)
	if r.status != 302 || r.header.Get("Location") != fmt.Sprintf("/janus/%d?maxev=5", s) {
		t.Fatalf("%d location %q", r.status, r.header.Get("Location"))
	}
	if e.gw.Touches() != before+1 {
		t.Fatal("redirect did not count as keepalive")
	}
}

func TestRedirectFollowedDeliversEvents(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(t)
	e.gw.Push(s, `{"n":1}`)
	req, err := nethttp.NewRequestWithContext(t.Context(), "GET", fmt.Sprintf("%s/janus/%d/5", e.srv.URL, s), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != `{"n":1}` {
		t.Fatalf("body %s", b)
	}
}

func TestEventsOfOneSessionStayThere(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.create(t), e.create(t)
	e.gw.Push(a, `{"to":"a"}`)
	e.gw.Push(b, `{"to":"b"}`)
	ra := e.do(t, "GET", fmt.Sprintf("/janus/%d?maxev=10", a), "", nil)
	rb := e.do(t, "GET", fmt.Sprintf("/janus/%d?maxev=10", b), "", nil)
	if ra.body != `[{"to":"a"}]` || rb.body != `[{"to":"b"}]` {
		t.Fatalf("a=%s b=%s", ra.body, rb.body)
	}
}

func TestQueueDropsOldest(t *testing.T) {
	qs := newQueues(3, time.Second, slog.New(slog.DiscardHandler))
	drops := refusals.New(LimitLongPollQueue)
	qs.dropped = drops
	for i := range 5 {
		qs.push(1, []byte(fmt.Sprint(i)))
	}
	msgs, _, _ := qs.get(1, true).pop(10)
	got, _ := json.Marshal(stringsOf(msgs))
	if string(got) != `["2","3","4"]` {
		t.Fatalf("kept %s", got)
	}
	if n := drops.Count(LimitLongPollQueue); n != 2 {
		t.Fatalf("drops counted %d, want 2", n)
	}
	qs.end(1)
	qs.end(core.SessionID(99)) // unknown: no-op
	if qs.len() != 0 {
		t.Fatal("queue not deleted")
	}
}

// TestQueueBytesDropsOldest: a queue is bounded by bytes as well as by
// count; past maxBytes the oldest messages go, counted as longpoll_queue
// drops, and the newest is always kept.
func TestQueueBytesDropsOldest(t *testing.T) {
	qs := newQueues(100, time.Second, slog.New(slog.DiscardHandler))
	qs.maxBytes = 10
	drops := refusals.New(LimitLongPollQueue)
	qs.dropped = drops
	for _, m := range []string{"aaaa", "bbbb", "cc", "dddd"} { // 14 bytes: aaaa goes
		qs.push(1, []byte(m))
	}
	msgs, _, _ := qs.get(1, true).pop(10)
	if got, _ := json.Marshal(stringsOf(msgs)); string(got) != `["bbbb","cc","dddd"]` {
		t.Fatalf("kept %s", got)
	}
	qs.push(1, []byte("0123456789abc")) // alone over the budget: kept
	qs.push(1, []byte("xy"))            // pushes it out
	msgs, _, _ = qs.get(1, true).pop(10)
	if got, _ := json.Marshal(stringsOf(msgs)); string(got) != `["xy"]` {
		t.Fatalf("kept %s", got)
	}
	if n := drops.Count(LimitLongPollQueue); n != 2 {
		t.Fatalf("drops counted %d, want 2", n)
	}
	qs.push(1, []byte("0123456789")) // the popped bytes are no longer counted
	if n := drops.Count(LimitLongPollQueue); n != 2 {
		t.Fatalf("drops counted %d after the queue was emptied, want 2", n)
	}
}

// TestLongPollQueueBytes: through the transport, a session whose client
// does not poll keeps at most Config.QueueBytes of events, the newest.
func TestLongPollQueueBytes(t *testing.T) {
	drops := refusals.New(LimitLongPollQueue)
	e := newEnv(t, func(c *Config) { c.QueueBytes = 80; c.Refusals = drops })
	s := e.create(t)
	big := strings.Repeat("x", 20)
	for i := range 5 { // 5 × 36 bytes: room for two
		e.gw.Push(s, fmt.Sprintf(`{"n":%d,"sdp":%q}`, i, big))
	}
	r := e.do(t, "GET", fmt.Sprintf("/janus/%d?maxev=10", s), "", nil)
	want := fmt.Sprintf(`[{"n":3,"sdp":%q},{"n":4,"sdp":%q}]`, big, big)
	if r.body != want {
		t.Fatalf("poll got %s, want %s", r.body, want)
	}
	if n := drops.Count(LimitLongPollQueue); n != 3 {
		t.Fatalf("drops counted %d, want 3", n)
	}
	if New(Config{}).cfg.QueueBytes != DefaultQueueBytes {
		t.Fatal("QueueBytes has no default")
	}
}

func stringsOf(b [][]byte) []string {
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out
}

func TestQueueSweepDropsUnpolledQueues(t *testing.T) {
	now := time.Unix(1000, 0)
	qs := newQueues(8, time.Second, slog.New(slog.DiscardHandler))
	qs.now = func() time.Time { return now }
	qs.lastSweep = now
	qs.push(1, []byte("late push for an ended session"))
	qs.get(2, true)
	now = now.Add(minIdle - time.Second)
	qs.get(2, true) // polled recently: kept
	now = now.Add(2 * time.Second)
	qs.push(3, []byte("x")) // triggers the sweep
	qs.mu.Lock()
	_, has1 := qs.m[1]
	_, has2 := qs.m[2]
	_, has3 := qs.m[3]
	qs.mu.Unlock()
	if has1 || !has2 || !has3 {
		t.Fatalf("after sweep: 1=%v 2=%v 3=%v, want false true true", has1, has2, has3)
	}
}

// TestLongPollParkedOnDestroyedSession: a session destroyed with nothing
// left to deliver does not answer its parked poll at once (janus.js would
// poll again and log a 404); like Janus, the poll ends with a keepalive at
// its own timeout.
func TestLongPollParkedOnDestroyedSession(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LongPollTimeout = 2 * time.Second })
	s := e.create(t)
	done := e.parkPoll(t, fmt.Sprintf("/janus/%d", s))
	e.gw.End(s)
	select {
	case r := <-done:
		t.Fatalf("poll answered right after the session ended: %d %s", r.status, r.body)
	case <-time.After(300 * time.Millisecond):
	}
	if r := answer(t, done); r.status != 200 || r.body != `{"janus":"keepalive"}` {
		t.Fatalf("%d %s, want a keepalive", r.status, r.body)
	}
	if n := e.tr.qs.len(); n != 0 {
		t.Fatalf("%d queues left after SessionOver", n)
	}
}
