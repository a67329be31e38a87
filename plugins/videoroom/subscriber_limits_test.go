package videoroom

import (
	"strings"
	"sync"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testpeer"
)

// countingHost is the recording host that also counts refusals, as the
// core's host does (core.RefusalCounter).
type countingHost struct {
	*coretest.Host
	mu sync.Mutex
	by map[string]int
}

func (h *countingHost) Refused(limit string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.by[limit] += n
}

func (h *countingHost) count(limit string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.by[limit]
}

// newCountingFixture is newFixture whose host counts refusals.
func newCountingFixture(t *testing.T, cfg string) (*fixture, *countingHost) {
	t.Helper()
	var ch *countingHost
	f := newFixtureOn(t, cfg, func(rec *coretest.Host) core.Host {
		ch = &countingHost{Host: rec, by: map[string]int{}}
		return ch
	})
	return f, ch
}

// midsByType maps "audio", "video", "data" to the mids of a publish answer.
func midsByType(t *testing.T, configured coretest.Push) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, x := range configured.Data["streams"].([]any) {
		st := x.(map[string]any)
		typ, _ := st["type"].(string)
		out[typ], _ = st["mid"].(string)
	}
	return out
}

// TestSubscriberStreamBounds: a subscription names each publisher stream
// once and holds at most max_subscriber_streams streams (audit finding 1:
// 2,000 {"feed":X} made 4,000 m-lines). A refusal is a 430 that changes
// nothing, counted as subscriber_streams; a data stream named again is
// ignored, as in Janus 1.1.2 (finding 2: 20,000 data subscriptions).
func TestSubscriberStreamBounds(t *testing.T) {
	f, counts := newCountingFixture(t, `{"rooms":[{"room":7}],"limits":{"max_subscriber_streams":4}}`)
	_, _, configured, feed, _ := f.publishWith("pub", false, testpeer.Config{Audio: true, Video: true, DataChannel: true, AnyAddress: true})
	mids := midsByType(t, configured)
	id := formatID(feed)
	stream := func(mid string) string { return `{"feed":` + id + `,"mid":"` + mid + `"}` }
	all := `{"feed":` + id + `}`

	// Join: the whole feed twice is refused; so is 2,000 times.
	h, s := f.handle()
	for _, list := range []string{all + "," + all, strings.Repeat(all+",", 1999) + all} {
		got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+list+`]}`, nil)
		if !match(got.Data, map[string]any{"error_code": 430}) || got.JSEP != nil {
			t.Fatalf("join naming the feed twice = %v, want 430", got.Data)
		}
	}
	if n := counts.count(LimitSubscriberStreams); n != 2 {
		t.Errorf("refusals counted = %d, want 2", n)
	}
	// The data stream named three times: one data subscription.
	h, s = f.handle()
	got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+
		stream(mids["video"])+","+stream(mids["data"])+","+stream(mids["data"])+","+stream(mids["data"])+`]}`, nil)
	if got.JSEP == nil {
		t.Fatalf("join = %v, want an offer", got.Data)
	}
	if streams, _ := got.Data["streams"].([]any); len(streams) != 2 {
		t.Fatalf("join streams = %v, want video and one data", got.Data["streams"])
	}
	if n := counts.count(LimitSubscriberStreams); n != 4 {
		t.Errorf("counted = %d, want 4 (2 refusals, 2 ignored data repeats)", n)
	}
	sub := s.(*session).sub
	n := len(sub.summaries())
	tests := []struct {
		name, body string
		want       map[string]any
		streams    int // the subscription's stream count afterwards
	}{
		{"video again", `{"request":"subscribe","streams":[` + stream(mids["video"]) + `]}`, map[string]any{"error_code": 430}, n},
		{"data again: nothing to do", `{"request":"subscribe","streams":[` + stream(mids["data"]) + `]}`, map[string]any{"videoroom": "updated"}, n},
		{"audio twice", `{"request":"subscribe","streams":[` + stream(mids["audio"]) + "," + stream(mids["audio"]) + `]}`, map[string]any{"error_code": 430}, n},
		{"audio", `{"request":"subscribe","streams":[` + stream(mids["audio"]) + `]}`, map[string]any{"videoroom": "updating"}, n + 1},
		// The video's m-line stays (inactive): a new one makes 4, the limit.
		{"video resubscribed in one update", `{"request":"update","unsubscribe":[` + stream(mids["video"]) + `],"subscribe":[` + stream(mids["video"]) + `]}`,
			map[string]any{"videoroom": "updating"}, n + 2},
		{"beyond the limit", `{"request":"update","unsubscribe":[` + stream(mids["video"]) + `],"subscribe":[` + stream(mids["video"]) + `]}`,
			map[string]any{"error_code": 430, "error": "Invalid element (too many streams in the subscription: 5, limit 4)"}, n + 2},
	}
	for _, tc := range tests {
		got := f.async(h, s, tc.body, nil)
		if !match(got.Data, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got.Data, tc.want)
		}
		if streams := len(sub.summaries()); streams != tc.streams {
			t.Errorf("%s: %d streams afterwards, want %d", tc.name, streams, tc.streams)
		}
	}
	live := 0
	for _, d := range sub.liveStreams() {
		if d.src.Load() != nil {
			live++
		}
	}
	if live != 3 {
		t.Errorf("%d streams relayed after the refused update, want 3 (video, data, audio)", live)
	}
	if n := counts.count(LimitSubscriberStreams); n != 8 {
		t.Errorf("counted = %d, want 8", n)
	}
}
