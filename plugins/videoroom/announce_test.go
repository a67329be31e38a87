package videoroom

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// actOnEmit is a host that, once it recorded an event that matches, sets
// act off at once (actAtOnce): a request that comes the moment the event
// is emitted. It acts once (fired); done is closed when act returned.
type actOnEmit struct {
	*coretest.Host
	match func(data map[string]any) bool
	act   func()
	fired atomic.Bool
	done  chan struct{}
}

func newActOnEmit(rec *coretest.Host, match func(data map[string]any) bool) *actOnEmit {
	return &actOnEmit{Host: rec, match: match, done: make(chan struct{})}
}

func (h *actOnEmit) EmitEvent(hd core.Handle, data any) {
	h.Host.EmitEvent(hd, data)
	if m, _ := coretest.ClientJSON(data); h.match(m) && h.fired.CompareAndSwap(false, true) {
		actAtOnce(func() {
			defer close(h.done)
			h.act()
		})
	}
}

// TestAnnouncedBeforeUnpublished: a publisher that unpublishes, or is
// kicked, the moment its streams are announced (published, or updated
// by a renegotiation) is announced, then gone, to the other participants
// and in the events: never gone first, nor gone without being announced.
func TestAnnouncedBeforeUnpublished(t *testing.T) {
	for _, tc := range []struct {
		name, announced, gone string
		update                bool // the publisher is up already: a renegotiation
		stop                  func(pub *publisher, admin core.PluginSession)
	}{
		{"published then unpublished", "published", "unpublished", false, unpublishNow},
		{"published then kicked", "published", "kicked", false, kickNow},
		{"updated then unpublished", "updated", "unpublished", true, unpublishNow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hook *actOnEmit
			f := newFixtureOn(t, testConfig, webrtc.Config{}, func(rec *coretest.Host) core.Host {
				hook = newActOnEmit(rec, func(d map[string]any) bool {
					return d["event"] == tc.announced && d["id"] == float64(5)
				})
				return hook
			})
			h, s := f.handle()
			oh, osess := f.handle()
			f.joinPublisher(h, s, 5)
			f.joinPublisher(oh, osess, 6)
			pub := s.(*session).pub
			hook.act = func() { tc.stop(pub, osess) }
			audio := &pubStream{pub: pub, mid: "0", kind: "audio", codecName: "opus"}
			audio.dests.Store(&[]*subStream{})
			pub.mu.Lock()
			pub.publishing, pub.published = true, tc.update // an answered offer, without the media the test does not need
			pub.streams = []*pubStream{audio}
			pub.mu.Unlock()
			if tc.update {
				pub.announceUpdate()
			} else {
				pub.setupMedia()
			}
			if !hook.fired.Load() {
				t.Fatalf("no %q event", tc.announced)
			}
			select {
			case <-hook.done:
			case <-time.After(coretest.ExpectTimeout):
				t.Fatalf("the %s did not end", tc.gone)
			}
			var heard []string
			for range 2 {
				p := oh.Expect(t, "a notice of publisher 5", func(p coretest.Push) bool {
					return p.Data["unpublished"] == float64(5) || isPublishersOf(p.Data, 5)
				})
				if p.Data["unpublished"] != nil {
					heard = append(heard, "unpublished")
				} else {
					heard = append(heard, "publishers")
				}
			}
			if want := []string{"publishers", "unpublished"}; !slices.Equal(heard, want) {
				t.Errorf("participant 6 heard %v, want %v", heard, want)
			}
			checkEventOrder(t, f.host, eventName, tc.announced, tc.gone)
		})
	}
}

// unpublishNow is the publisher's unpublish (its client's request, or a
// hangup).
func unpublishNow(pub *publisher, _ core.PluginSession) { pub.unpublish(false) }

// kickNow kicks publisher 5 through admin's session.
func kickNow(_ *publisher, admin core.PluginSession) {
	admin.HandleMessage(context.Background(), core.Message{Transaction: "k", Body: json.RawMessage(kickPublisher5)})
}

// isPublishersOf reports whether d is a "publishers" notice listing id.
func isPublishersOf(d map[string]any, id float64) bool {
	list, _ := d["publishers"].([]any)
	for _, x := range list {
		if o, _ := x.(map[string]any); o["id"] == id {
			return true
		}
	}
	return false
}
