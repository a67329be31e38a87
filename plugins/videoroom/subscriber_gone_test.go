package videoroom

import (
	"context"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testpeer"
)

// streamOf returns the stream of kind in a streams list (a reply's, an
// event's, handle_info's).
func streamOf(t *testing.T, streams any, kind string) map[string]any {
	t.Helper()
	list, _ := streams.([]any)
	for _, x := range list {
		if st := x.(map[string]any); st["type"] == kind {
			return st
		}
	}
	t.Fatalf("no %s stream in %v", kind, streams)
	return nil
}

// autoUpdated waits for the subscriber's unsolicited "updated" (with an
// offer, so with its streams).
func autoUpdated(t *testing.T, h *coretest.Handle) coretest.Push {
	t.Helper()
	return h.Expect(t, "auto update", func(p coretest.Push) bool {
		return p.Transaction == "" && p.Data["videoroom"] == "updated" && p.JSEP != nil
	})
}

// TestUnpublishSparesStreamMovedOn: a publisher unpublishes and, under
// the same id, publishes again; its subscriber switches its video m-line
// to the new video before the auto update the unpublish queued runs
// (held back here by the subscriber's negMu, which it waits for). The
// auto update removes only the stream still on a source that went away
// (the audio), not the one moved to the new stream because it has the
// same feed id.
func TestUnpublishSparesStreamMovedOn(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	cfg := testpeer.Config{Audio: true, Video: true, AnyAddress: true}
	ph, ps, _, feed, _ := f.publishWith("pub", false, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, s := f.handle()
	_, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true})
	joined := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`}]}`, nil)
	answer("join", joined)
	subVideo := streamOf(t, joined.Data["streams"], "video")["mid"].(string)

	sub := s.(*session).sub
	sub.negMu.Lock()
	locked := true
	defer func() {
		if locked {
			sub.negMu.Unlock()
		}
	}()
	if got := f.async(ph, ps, `{"request":"unpublish"}`, nil); got.Data["unpublished"] != "ok" {
		t.Fatalf("unpublish = %v", got.Data)
	}
	// Published again from the same handle: the same feed id.
	p2, err := testpeer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p2.Close() })
	offer, err := p2.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ph.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "offer", offer); err != nil {
		t.Fatal(err)
	}
	again := f.async(ph, ps, `{"request":"publish"}`, &core.JSEP{Type: "offer", SDP: offer})
	if again.JSEP == nil {
		t.Fatalf("publish again = %v", again.Data)
	}
	newVideo := streamOf(t, again.Data["streams"], "video")["mid"].(string)
	sw := f.async(h, s, `{"request":"switch","streams":[{"feed":`+formatID(feed)+`,"mid":"`+newVideo+`","sub_mid":"`+subVideo+`"}]}`, nil)
	if sw.Data["switched"] != "ok" || sw.Data["changes"] != float64(1) {
		t.Fatalf("switch = %v", sw.Data)
	}
	sub.negMu.Unlock()
	locked = false

	got := autoUpdated(t, h)
	if a := streamOf(t, got.Data["streams"], "audio"); a["active"] != false {
		t.Errorf("audio after the auto update %v, want removed", a)
	}
	want := map[string]any{"active": true, "mid": subVideo, "feed_id": float64(feed), "feed_mid": newVideo}
	if v := streamOf(t, got.Data["streams"], "video"); !match(v, want) {
		t.Errorf("video after the auto update %v, want %v", v, want)
	}
	if v := streamOf(t, query(t, s)["streams"], "video"); !match(v, want) {
		t.Errorf("handle_info video %v, want %v", v, want)
	}
}

// TestSubscribeToSourceGoneMeanwhile: a subscribe, or an update taking
// m-lines over, that resolved its streams before their publisher
// unpublished, and attached them after the unpublish let its
// subscribers go: the streams would stay active with no media and no
// auto update. The subscriber queues that auto update itself, which
// removes them and leaves the gone source with no destination.
func TestSubscribeToSourceGoneMeanwhile(t *testing.T) {
	for _, takeOver := range []bool{false, true} {
		name := "subscribe"
		if takeOver {
			name = "take over"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, `{"rooms":[{"room":7}]}`)
			cfg := testpeer.Config{Audio: true, Video: true, AnyAddress: true}
			ph, ps, _, gone, _ := f.publishWith("gone", false, cfg)
			_, _, _, stays, _ := f.publishWith("stays", false, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			h, s := f.handle()
			_, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true})
			answer("join", f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(stays)+`}]}`, nil))
			sub := s.(*session).sub

			// update's steps, with the unpublish between resolveFeeds and
			// negMu.
			refs, e := resolveFeeds(sub.room, []params{{"feed": []byte(formatID(gone))}})
			if e != nil || len(refs) != 2 {
				t.Fatalf("resolveFeeds = %v, %v", refs, e)
			}
			if got := f.async(ph, ps, `{"request":"unpublish"}`, nil); got.Data["unpublished"] != "ok" {
				t.Fatalf("unpublish = %v", got.Data)
			}
			peer, err := h.Peer()
			if err != nil {
				t.Fatal(err)
			}
			sub.negMu.Lock()
			dropping := map[*subStream]bool{}
			if takeOver {
				for _, d := range sub.liveStreams() {
					dropping[d] = true
					sub.unlink(d)
				}
			}
			err = sub.add(peer, refs, dropping)
			sub.negMu.Unlock()
			if err != nil {
				t.Fatal(err)
			}

			got := autoUpdated(t, h)
			streams, _ := got.Data["streams"].([]any)
			if want := map[bool]int{false: 4, true: 2}[takeOver]; len(streams) != want {
				t.Errorf("streams after the auto update %v, want %d", streams, want)
			}
			for _, x := range streams {
				if st := x.(map[string]any); st["active"] == true && st["feed_id"] == float64(gone) {
					t.Errorf("stream %v after the auto update, want it removed", st)
				}
			}
			for _, ref := range refs {
				if n := ref.ps.subscriberCount(); n != 0 {
					t.Errorf("gone %s stream has %d subscriber streams, want 0", ref.ps.kind, n)
				}
			}
		})
	}
}
