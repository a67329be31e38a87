package videoroom

import (
	"strings"
	"testing"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testpeer"
)

// mlinesTestHost is the recording host that also tells the core's m-line
// bound (mlinesHost), as the gateway's host does.
type mlinesTestHost struct {
	*coretest.Host
	mlines int
}

func (h *mlinesTestHost) MaxSDPMLines() int { return h.mlines }

// newMLinesFixture is a fixture whose host tells the core's m-line bound.
func newMLinesFixture(t *testing.T, cfg string, mlines int) *fixture {
	t.Helper()
	return newFixtureOn(t, cfg, webrtc.Config{}, func(rec *coretest.Host) core.Host {
		return &mlinesTestHost{Host: rec, mlines: mlines}
	})
}

// publishAudios publishes n audio streams on one PeerConnection in room 7
// (not connected: the subscriptions below need only the offers) and
// returns the feed and the streams' mids.
func (f *fixture) publishAudios(n int) (uint64, []string) {
	f.t.Helper()
	p, err := testpeer.New(testpeer.Config{Audio: true, AnyAddress: true})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = p.Close() })
	for range n - 1 {
		if _, err := p.PC.AddTransceiverFromKind(pion.RTPCodecTypeAudio,
			pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly}); err != nil {
			f.t.Fatal(err)
		}
	}
	_, _, configured, feed := f.publishFrom("many", false, p)
	streams, _ := configured.Data["streams"].([]any)
	if len(streams) != n {
		f.t.Fatalf("publish of %d audio streams: %d streams in %v", n, len(streams), configured.Data)
	}
	mids := make([]string, 0, n)
	for _, x := range streams {
		mid, _ := x.(map[string]any)["mid"].(string)
		mids = append(mids, mid)
	}
	return feed, mids
}

// TestSubscriberStreamsFollowCoreMLines: with no max_subscriber_streams
// in the config, a subscription may hold as many streams as the core's
// m-line bound allows, here raised to 200: 150 streams are offered (128
// were the limit whatever the core's bound), 250 refused with the 430 of
// any subscription over its limit, naming the core's bound.
func TestSubscriberStreamsFollowCoreMLines(t *testing.T) {
	f := newMLinesFixture(t, `{"rooms":[{"room":7}]}`, 200)
	feed, mids := f.publishAudios(250)
	id := formatID(feed)

	h, s := f.handle()
	got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+id+`}]}`, nil)
	want := map[string]any{"error_code": 430, "error": "Invalid element (too many streams in the subscription: 250, limit 200)"}
	if !match(got.Data, want) || got.JSEP != nil {
		t.Errorf("join with 250 streams = %v, want %v", got.Data, want)
	}

	refs := make([]string, 0, 150)
	for _, mid := range mids[:150] {
		refs = append(refs, `{"feed":`+id+`,"mid":"`+mid+`"}`)
	}
	h, s = f.handle()
	got = f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+strings.Join(refs, ",")+`]}`, nil)
	if got.JSEP == nil {
		t.Fatalf("join with 150 streams = %v, want an offer", got.Data)
	}
	if n := strings.Count(got.JSEP.SDP, "\nm="); n != 150 {
		t.Errorf("the offer has %d m-lines, want 150", n)
	}
}

// TestMaxSubscriberStreamsDefault: the core's m-line bound is the default
// of max_subscriber_streams; a configured value wins, and without a bound
// (disabled, or a host that does not tell it) the default is the core's
// default bound.
func TestMaxSubscriberStreamsDefault(t *testing.T) {
	const silent = -1000 // a host that does not tell its bound
	tests := []struct {
		name   string
		cfg    string
		mlines int // the host's MaxSDPMLines, or silent
		want   int
	}{
		{"core raised", `{}`, 200, 200},
		{"core lowered", `{}`, 50, 50},
		{"core default", `{}`, core.DefaultMaxMLines, core.DefaultMaxMLines},
		{"core disabled", `{}`, 0, DefaultMaxSubscriberStreams},
		{"core negative", `{}`, -1, DefaultMaxSubscriberStreams},
		{"host does not tell", `{}`, silent, DefaultMaxSubscriberStreams},
		{"configured above", `{"limits":{"max_subscriber_streams":300}}`, 200, 300},
		{"configured below", `{"limits":{"max_subscriber_streams":10}}`, 200, 10},
		{"other limits configured", `{"limits":{"max_rooms":5}}`, 200, 200},
	}
	for _, tc := range tests {
		var f *fixture
		if tc.mlines == silent {
			f = newFixture(t, tc.cfg)
		} else {
			f = newMLinesFixture(t, tc.cfg, tc.mlines)
		}
		if got := f.p.limits(); got.MaxSubscriberStreams != tc.want {
			t.Errorf("%s: max_subscriber_streams = %d, want %d", tc.name, got.MaxSubscriberStreams, tc.want)
		}
	}
}
