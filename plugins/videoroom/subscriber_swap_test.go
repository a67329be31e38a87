package videoroom

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pion/interceptor"

	"github.com/argusrtc/argus/internal/testpeer"
)

// TestSubscriberSwapInOneUpdate: as in Janus 1.1.2, an update that
// unsubscribes one publisher and subscribes another handles the
// unsubscriptions first, and the new streams take over the m-lines just
// left (same kind and codec): the offer keeps the join's m-lines and
// mids, the reply lists the new publisher on them, and the client
// receives the new publisher's audio and video on those mids and its
// data on the one data channel. The subscription keeps one entry per
// m-line (the data one included) in handle_info. The swapped m-lines keep
// their SSRC (no new remote track), and once the new publisher's first
// packet arrived on one, none of the old publisher's follows.
func TestSubscriberSwapInOneUpdate(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	var feeds [2]uint64
	for i := range feeds {
		_, _, _, feed, pubPeer := f.publishWith("pub", true, testpeer.Config{Audio: true, Video: true, DataChannel: true, AnyAddress: true})
		m := testpeer.Browser20ms()
		m.Tag, m.DataText = byte(i+1), fmt.Sprint("from publisher ", i+1)
		pubPeer.Start(m)
		feeds[i] = feed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, s := f.handle()
	rec := testpeer.NewRecorder(1 << 15) // about 2 minutes of both m-lines
	client, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true, Extra: []interceptor.Factory{rec}})
	feed := func(i int) string { return `[{"feed":` + formatID(feeds[i]) + `}]` }
	mids := answer("join", f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":`+feed(0)+`}`, nil))
	if len(mids) != 3 {
		t.Fatalf("join offer m-lines %v, want audio, video and data", mids)
	}
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := query(t, s)["streams"].([]any)
	if len(before) != 3 {
		t.Fatalf("handle_info streams %v, want 3", before)
	}
	// from waits for publisher i's media (its tag, the last payload byte)
	// on the audio and video mids of the join, and for its data.
	from := func(step string, i int) {
		t.Helper()
		for _, x := range before {
			st := x.(map[string]any)
			mid := st["mid"].(string)
			if st["type"] == "data" {
				for client.DataFrom(fmt.Sprint("from publisher ", i+1)) == 0 {
					if ctx.Err() != nil {
						t.Fatalf("%s: no data from publisher %d", step, i+1)
					}
					time.Sleep(10 * time.Millisecond)
				}
				continue
			}
			for tr := client.Track(mid); tr.LastMarker.Load() != int32(i+1); {
				if ctx.Err() != nil {
					t.Fatalf("%s: no %s of publisher %d on mid %s (last tag %d)", step, st["type"], i+1, mid, tr.LastMarker.Load())
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	from("join", 0)
	ssrcs := map[string]uint32{} // by mid, of the join's audio and video
	for _, x := range before {
		if st := x.(map[string]any); st["type"] != "data" {
			ssrcs[st["mid"].(string)] = client.Track(st["mid"].(string)).SSRC.Load()
		}
	}

	swapped := f.async(h, s, `{"request":"update","unsubscribe":`+feed(0)+`,"subscribe":`+feed(1)+`}`, nil)
	if got := answer("swap", swapped); !slices.Equal(got, mids) {
		t.Fatalf("swap offer m-lines %v, want the join's %v", got, mids)
	}
	streams, _ := swapped.Data["streams"].([]any)
	if len(streams) != len(before) {
		t.Fatalf("swap streams %v, want %d", streams, len(before))
	}
	for j, x := range streams {
		st, old := x.(map[string]any), before[j].(map[string]any)
		if !match(st, map[string]any{"active": true, "type": old["type"], "mid": old["mid"], "mindex": old["mindex"], "feed_id": feeds[1]}) {
			t.Errorf("swap stream %v, want publisher %d on the m-line of %v", st, feeds[1], old)
		}
	}
	from("swap", 1)
	for mid, ssrc := range ssrcs {
		if got := client.Track(mid).SSRC.Load(); got != ssrc {
			t.Errorf("mid %s: SSRC %d after the swap, want the join's %d (no new track)", mid, got, ssrc)
		}
	}
	// On each m-line, after publisher 2's first packet: packets (the
	// m-line's SSRC) of publisher 2 only.
	const after = 40 // 0.8 s of 20 ms audio
	since := func(got []testpeer.Received, ssrc uint32) (n int, stray *testpeer.Received) {
		seen := false
		for i, r := range got {
			if r.SSRC != ssrc {
				continue
			}
			seen = seen || r.Last == 2
			switch {
			case !seen:
			case r.Last == 2:
				n++
			default:
				return n, &got[i]
			}
		}
		return n, nil
	}
	got, err := rec.Wait(ctx, func(got []testpeer.Received) bool {
		for _, ssrc := range ssrcs {
			if n, stray := since(got, ssrc); n < after && stray == nil {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("packets of publisher 2 after the swap: %v", err)
	}
	for mid, ssrc := range ssrcs {
		if n, stray := since(got, ssrc); stray != nil {
			t.Errorf("mid %s: a packet of tag %d (seq %d) after %d of publisher 2", mid, stray.Last, stray.Seq, n)
		}
	}
	if after, _ := query(t, s)["streams"].([]any); len(after) != len(before) {
		t.Errorf("handle_info streams after the swap %v, want %d", after, len(before))
	}
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(peer.PeerConnection().GetTransceivers()); n != 2 {
		t.Errorf("%d transceivers after the swap, want 2", n)
	}
}

// TestLostSourceAfterTakeOver: a stream whose source went away in its
// publisher's renegotiation is removed by the auto update that follows,
// unless an update took its m-line over (or a switch moved it) to another
// source in between: the new subscription stays.
func TestLostSourceAfterTakeOver(t *testing.T) {
	old, other := &pubStream{}, &pubStream{}
	d := &subStream{}
	d.src.Store(old)
	gone := lostSource(map[*subStream]*pubStream{d: old})
	if !gone(d) {
		t.Error("a stream still on the source it lost is kept")
	}
	d.src.Store(other)
	if gone(d) {
		t.Error("a stream taken over by another source is removed")
	}
	if lostSource(map[*subStream]*pubStream{})(d) {
		t.Error("a stream that lost nothing is removed")
	}
}
