package videoroom

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testpeer"
)

// offerMSIDs maps each audio and video m-line of an offer (by mid) to its
// a=msid ("" when it has none), and checks that its SSRCs' msid lines
// say the same.
func offerMSIDs(t *testing.T, step, raw string) map[string]string {
	t.Helper()
	d := &sdp.SessionDescription{}
	if err := d.UnmarshalString(raw); err != nil {
		t.Fatalf("%s: offer: %v", step, err)
	}
	out := map[string]string{}
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media == "application" {
			continue
		}
		mid, _ := m.Attribute("mid")
		msid, _ := m.Attribute("msid")
		out[mid] = msid
		for _, a := range m.Attributes {
			if _, v, ok := strings.Cut(a.Value, " msid:"); a.Key == "ssrc" && ok && v != msid {
				t.Errorf("%s: mid %s: a=ssrc:%s, want the m-line's msid %q", step, mid, a.Value, msid)
			}
		}
	}
	return out
}

// TestSubscriberMSID: a subscriber's offers carry Janus 1.1.2's a=msid on
// each m-line that sends: "janus janus<mid>" by default, and with
// "use_msid": true (only a JSON true, as Janus's json_is_true reads it)
// "<publisher id> <mid>", naming the publisher the m-line was made for
// (join), kept by a switch (Janus renames nothing there: the next offer,
// made for another subscription, names the old publisher), renamed when an
// update's new subscription takes the m-line over (unsubscribe and
// subscribe in one update) or reuses it once free; an inactive m-line has
// none.
func TestSubscriberMSID(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"publishers":6}]}`)
	const a, b, c, d = 0, 1, 2, 3
	var feeds [4]uint64
	var pubMids [4]map[string]string // each publisher's mid by kind
	for i := range feeds {
		_, _, pub, feed, _ := f.publishPeer(fmt.Sprint("pub", i), false)
		feeds[i], pubMids[i] = feed, map[string]string{}
		for _, x := range pub.Data["streams"].([]any) {
			st := x.(map[string]any)
			pubMids[i][st["type"].(string)] = st["mid"].(string)
		}
	}
	feed := func(i int) string { return `{"feed":` + formatID(feeds[i]) + `}` }
	for _, tc := range []struct {
		name, field string // field: the join's use_msid, if any
		on          bool
	}{
		{"absent", ``, false},
		{"true", `,"use_msid":true`, true},
		{"false", `,"use_msid":false`, false},
		{"string", `,"use_msid":"true"`, false},
		{"number", `,"use_msid":1`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := f.t
			f.t = t // the handle, its client and their cleanups are the subtest's
			defer func() { f.t = parent }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			h, s := f.handle()
			_, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true})
			named := func(pub int, mid string) string {
				if !tc.on {
					return "janus janus" + mid
				}
				return formatID(feeds[pub]) + " " + mid
			}
			offer := func(step string, p coretest.Push) string {
				t.Helper()
				if p.JSEP == nil || p.JSEP.Type != "offer" {
					t.Fatalf("%s: %v, want an offer", step, p.Data)
				}
				return p.JSEP.SDP
			}
			// expect checks the offer's msids: want gives each mid's
			// publisher (-1: inactive, no msid); then the client answers.
			expect := func(step string, p coretest.Push, want map[string]int) {
				t.Helper()
				got := offerMSIDs(t, step, offer(step, p))
				if len(got) != len(want) {
					t.Errorf("%s: audio and video m-lines %v, want %d", step, got, len(want))
				}
				for mid, pub := range want {
					w := ""
					if pub >= 0 {
						w = named(pub, mid)
					}
					if got[mid] != w {
						t.Errorf("%s: mid %s a=msid %q, want %q", step, mid, got[mid], w)
					}
				}
				answer(step, p)
			}

			joined := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+feed(a)+`]`+tc.field+`}`, nil)
			mids, _ := mlines(offer("join", joined))
			if len(mids) != 2 {
				t.Fatalf("join offer m-lines %v, want audio and video", mids)
			}
			byKind := map[string]string{} // the join's mids
			for _, x := range joined.Data["streams"].([]any) {
				st := x.(map[string]any)
				byKind[st["type"].(string)] = st["mid"].(string)
			}
			am, vm := byKind["audio"], byKind["video"]
			expect("join", joined, map[string]int{am: a, vm: a})

			// A switch to B renames nothing: the next offer (D's video
			// subscribed) still names A on the join's m-lines.
			sw := `{"request":"switch","streams":[` +
				`{"feed":` + formatID(feeds[b]) + `,"mid":"` + pubMids[b]["audio"] + `","sub_mid":"` + am + `"},` +
				`{"feed":` + formatID(feeds[b]) + `,"mid":"` + pubMids[b]["video"] + `","sub_mid":"` + vm + `"}]}`
			if p := f.async(h, s, sw, nil); !match(p.Data, map[string]any{"switched": "ok", "changes": 2}) {
				t.Fatalf("switch = %v", p.Data)
			}
			added := f.async(h, s, `{"request":"subscribe","streams":[{"feed":`+formatID(feeds[d])+`,"mid":"`+pubMids[d]["video"]+`"}]}`, nil)
			dm, _ := mlines(offer("subscribe", added))
			if len(dm) != 3 {
				t.Fatalf("subscribe offer m-lines %v, want 3", dm)
			}
			expect("subscribe after switch", added, map[string]int{am: a, vm: a, dm[2]: d})

			// An update leaving B (now on the join's m-lines) for C: C's
			// streams take the m-lines over, and the offer names C.
			swapped := f.async(h, s, `{"request":"update","unsubscribe":[`+feed(b)+`],"subscribe":[`+feed(c)+`]}`, nil)
			if m, _ := mlines(offer("update", swapped)); len(m) != 3 {
				t.Fatalf("update offer m-lines %v, want the 3 before", m)
			}
			expect("update", swapped, map[string]int{am: c, vm: c, dm[2]: d})

			// Unsubscribed, the m-lines are inactive (no msid); A's
			// streams reuse them and are named.
			expect("unsubscribe", f.async(h, s, `{"request":"unsubscribe","streams":[`+feed(c)+`]}`, nil),
				map[string]int{am: -1, vm: -1, dm[2]: d})
			reused := f.async(h, s, `{"request":"subscribe","streams":[`+feed(a)+`]}`, nil)
			if m, _ := mlines(offer("reuse", reused)); len(m) != 3 {
				t.Fatalf("subscribe offer m-lines %v, want the 3 before", m)
			}
			expect("reuse", reused, map[string]int{am: a, vm: a, dm[2]: d})
		})
	}
}
