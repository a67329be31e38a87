package videoroom

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testkit"
)

// actGrace bounds how long a hook waits for what it set off. A request
// that starts the moment the plugin does something finishes before the
// plugin's next line, unless it waits for a lock the plugin holds: then
// the plugin goes on after actGrace and the request ends once the lock
// is free, as a request on a transport's goroutine would.
const actGrace = 300 * time.Millisecond

// actAtOnce runs act on a goroutine of its own, as a client's request
// runs, and returns when act returned or actGrace passed; done is closed
// when act returned (a test waits for it before it checks the outcome).
func actAtOnce(act func()) (done <-chan struct{}) {
	c := make(chan struct{})
	go func() {
		defer close(c)
		act()
	}()
	select {
	case <-c:
	case <-time.After(actGrace):
	}
	return c
}

// actOnPush sets act off at once (actAtOnce) when a push matches: a
// client that acts the moment it reads that push, before the plugin's
// next line unless the act waits for a lock the plugin holds.
type actOnPush struct {
	*coretest.Handle
	match func(data map[string]any) bool
	act   func()

	mu   sync.Mutex
	acts []<-chan struct{} // what actAtOnce set off
}

func (h *actOnPush) Push(tx string, data any, jsep *core.JSEP) error {
	err := h.Handle.Push(tx, data, jsep)
	if m, _ := coretest.ClientJSON(data); h.match(m) {
		done := actAtOnce(h.act)
		h.mu.Lock()
		h.acts = append(h.acts, done)
		h.mu.Unlock()
	}
	return err
}

// settle waits until every act set off so far has returned, so that the
// test checks the outcome of the interleaving it forced, not a part of it.
func (h *actOnPush) settle(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	acts := slices.Clone(h.acts)
	h.mu.Unlock()
	for _, done := range acts {
		select {
		case <-done:
		case <-time.After(coretest.ExpectTimeout):
			t.Fatal("a hooked client's act did not return")
		}
	}
}

// hookedHandle attaches a new session on an actOnPush handle; the test
// sets match and act.
func (f *fixture) hookedHandle() (*actOnPush, core.PluginSession) {
	f.t.Helper()
	h := &actOnPush{Handle: f.newHandle(), match: func(map[string]any) bool { return false }}
	return h, f.attach(h)
}

// detachingHandle attaches a new session on a hooked handle whose client
// detaches the moment it reads a push that matches.
func (f *fixture) detachingHandle(match func(map[string]any) bool) (*actOnPush, core.PluginSession) {
	f.t.Helper()
	h, s := f.hookedHandle()
	h.match = match
	h.act = s.Destroy // what the core does at detach
	return h, s
}

// watched is publisher 5 in room 1234 and publisher 6, the watcher, on
// a hooked handle.
type watched struct {
	h  *coretest.Handle
	s  core.PluginSession
	wh *actOnPush
	ws core.PluginSession
}

// watchedPublisher joins publisher 5 on a plain handle, then publisher
// 6 on a hooked one that sends request the moment it reads a push that
// matches.
func (f *fixture) watchedPublisher(match func(map[string]any) bool, request string) watched {
	f.t.Helper()
	w := watched{}
	w.h, w.s = f.handle()
	w.wh, w.ws = f.hookedHandle()
	w.wh.match = match
	w.wh.act = func() { f.sync(w.ws, request) }
	f.joinPublisher(w.h, w.s, 5)
	f.joinPublisher(w.wh.Handle, w.ws, 6)
	return w
}

// joinPublisher joins room 1234 as publisher id.
func (f *fixture) joinPublisher(h *coretest.Handle, s core.PluginSession, id int) {
	f.t.Helper()
	f.async(h, s, fmt.Sprintf(`{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":%d}`, id), nil)
}

const kickPublisher5 = `{"request":"kick","room":1234,"secret":"adminpwd","id":5}`

// eventName, videoroomName and eventOrVideoroomName name a plugin
// event by its "event" field, its "videoroom" field, or the first of
// the two that it has.
func eventName(d map[string]any) string {
	name, _ := d["event"].(string)
	return name
}

func videoroomName(d map[string]any) string {
	name, _ := d["videoroom"].(string)
	return name
}

func eventOrVideoroomName(d map[string]any) string {
	if name := eventName(d); name != "" {
		return name
	}
	return videoroomName(d)
}

// checkEventOrder checks that the host recorded the plugin events
// named (by nameOf) in want in that order, and no other events with
// those names.
func checkEventOrder(t *testing.T, h *coretest.Host, nameOf func(map[string]any) string, want ...string) {
	t.Helper()
	var order []string
	for _, e := range h.Events() {
		if name := nameOf(e.Data); slices.Contains(want, name) {
			order = append(order, name)
		}
	}
	if !slices.Equal(order, want) {
		t.Errorf("events %v, want %v", order, want)
	}
}

// TestKickedClientDetachingAtOnce: a kicked participant whose client
// detaches on reading the kick notice is still announced to the room as
// kicked (the notification and the event), not as leaving.
func TestKickedClientDetachingAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	kh, ks := f.detachingHandle(func(d map[string]any) bool { return d["reason"] == "kicked" })
	oh, osess := f.handle()
	f.joinPublisher(kh.Handle, ks, 5)
	f.joinPublisher(oh, osess, 6)
	if got := f.sync(osess, kickPublisher5); got["videoroom"] != "success" {
		t.Fatalf("kick = %v", got)
	}
	note := oh.Expect(t, "the room's notice", func(p coretest.Push) bool { return p.Data["kicked"] != nil || p.Data["leaving"] != nil })
	if !match(note.Data, map[string]any{"videoroom": "event", "room": 1234, "kicked": 5}) {
		t.Errorf("the room heard %v, want kicked 5", note.Data)
	}
	kh.settle(t)
	if evs := findEvents(f.host, "kicked"); len(evs) != 1 || evs[0].Handle != kh.ID() {
		t.Errorf("kicked events = %+v", evs)
	}
	if evs := findEvents(f.host, "leaving"); len(evs) != 0 {
		t.Errorf("leaving events = %+v, want none", evs)
	}
}

// holdFirst holds a push whose field key is first, before it is
// recorded, until a push whose key is second has been recorded or a
// while passed, as a slow transport or scheduler can: out-of-order code
// then records them swapped every time.
type holdFirst struct {
	*coretest.Handle
	key           string
	first, second any
	released      chan struct{}
	once          sync.Once
}

func newHoldFirst(h *coretest.Handle, key string, first, second any) *holdFirst {
	return &holdFirst{Handle: h, key: key, first: first, second: second, released: make(chan struct{})}
}

func (h *holdFirst) Push(tx string, data any, jsep *core.JSEP) error {
	m, _ := coretest.ClientJSON(data)
	switch m[h.key] {
	case h.first:
		select {
		case <-h.released:
		case <-time.After(300 * time.Millisecond): // long enough for a racing push to come
		}
	case h.second:
		err := h.Handle.Push(tx, data, jsep)
		h.once.Do(func() { close(h.released) })
		return err
	}
	return h.Handle.Push(tx, data, jsep)
}

// TestTalkingAnnouncedInOrder: a publisher that starts and stops
// talking within two level periods is announced talking, then stopped
// talking, even when the first announcement is slow.
func TestTalkingAnnouncedInOrder(t *testing.T) {
	f := newFixture(t, testConfig)
	f.next++
	lh := newHoldFirst(coretest.NewHandle(f.next, "videoroom-test", f.eng), "videoroom", "talking", "stopped-talking")
	ls, err := f.p.NewSession(lh)
	if err != nil {
		t.Fatal(err)
	}
	lh.Attach(ls)
	t.Cleanup(ls.Destroy)
	th, ts := f.handle()
	f.joinPublisher(lh.Handle, ls, 1)
	f.joinPublisher(th, ts, 2)
	pub := ts.(*session).pub
	ps := &pubStream{pub: pub, mid: "0", kind: "audio", levelExt: 1,
		level: audioLevel{on: true, activePackets: 1, avg: defaultAudioLevelAverage}}
	for _, level := range []byte{10, 100} { // loud (talking), then quiet
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2}}
		if err := pkt.SetExtension(1, []byte{level}); err != nil {
			t.Fatal(err)
		}
		ps.noteLevel(pkt)
	}
	var got []any
	for range 2 {
		p := lh.Expect(t, "a talking notice", func(p coretest.Push) bool {
			return p.Data["videoroom"] == "talking" || p.Data["videoroom"] == "stopped-talking"
		})
		got = append(got, p.Data["videoroom"])
	}
	if want := []any{"talking", "stopped-talking"}; !slices.Equal(got, want) {
		t.Errorf("the room heard %v, want %v", got, want)
	}
	testkit.Until(t, coretest.ExpectTimeout, "both events", func() bool {
		return len(findEvents(f.host, "talking"))+len(findEvents(f.host, "stopped-talking")) == 2
	})
	checkEventOrder(t, f.host, videoroomName, "talking", "stopped-talking")
}

// TestDestroyedRoomClientDetachingAtOnce: a publisher whose client
// detaches on reading the room's "destroyed" is reported unpublished, as
// when it stays, not as leaving.
func TestDestroyedRoomClientDetachingAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	ph, ps := f.detachingHandle(func(d map[string]any) bool { return d["videoroom"] == "destroyed" })
	_, admin := f.handle()
	f.joinPublisher(ph.Handle, ps, 5)
	pub := ps.(*session).pub
	pub.mu.Lock()
	pub.publishing = true // an answered offer, without the media the test does not need
	pub.mu.Unlock()
	if got := f.sync(admin, `{"request":"destroy","room":1234,"secret":"adminpwd"}`); got["videoroom"] != "destroyed" {
		t.Fatalf("destroy = %v", got)
	}
	ph.Expect(t, "destroyed", func(p coretest.Push) bool { return p.Data["videoroom"] == "destroyed" })
	ph.settle(t)
	if evs := findEvents(f.host, "unpublished"); len(evs) != 1 || evs[0].Handle != ph.ID() {
		t.Errorf("unpublished events = %+v", evs)
	}
	if evs := findEvents(f.host, "leaving"); len(evs) != 0 {
		t.Errorf("leaving events = %+v, want none", evs)
	}
}

// TestPublishedThenKickedAtOnce: a participant that kicks a publisher
// the moment it is told of its streams cannot empty the streams of the
// publisher's "published" event, nor come before it.
func TestPublishedThenKickedAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	w := f.watchedPublisher(func(d map[string]any) bool {
		return d["publishers"] != nil && d["error_code"] == nil && d["videoroom"] == "event"
	}, kickPublisher5)
	pub := w.s.(*session).pub
	pub.mu.Lock()
	pub.publishing = true // an answered offer and its stream, without the media the test does not need
	audio := &pubStream{pub: pub, mid: "0", kind: "audio", codecName: "opus"}
	audio.dests.Store(&[]*subStream{})
	pub.streams = []*pubStream{audio}
	pub.mu.Unlock()
	pub.setupMedia()
	w.wh.Expect(t, "kicked", func(p coretest.Push) bool { return p.Data["kicked"] != nil })
	for _, e := range f.host.Events() {
		if streams, _ := e.Data["streams"].([]any); e.Data["event"] == "published" && len(streams) != 1 {
			t.Errorf("published event streams = %v, want the audio stream", e.Data["streams"])
		}
	}
	w.wh.settle(t)
	checkEventOrder(t, f.host, eventName, "published", "kicked")
}

// TestConfiguredThenKickedAtOnce: a participant that kicks a publisher
// the moment it hears of its new display name comes after the
// publisher's "configured" event.
func TestConfiguredThenKickedAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	w := f.watchedPublisher(func(d map[string]any) bool { return d["display"] == "renamed" }, kickPublisher5)
	f.async(w.h, w.s, `{"request":"configure","display":"renamed"}`, nil)
	w.wh.settle(t)
	checkEventOrder(t, f.host, eventName, "configured", "kicked")
}

// TestEventBeforeTheRoomKicks: a participant that kicks a
// publisher the moment it hears it unpublished, that one of its streams
// was moderated or that it talks, comes after that event.
func TestEventBeforeTheRoomKicks(t *testing.T) {
	for _, tc := range []struct {
		name, event string
		notice      func(map[string]any) bool
		do          func(f *fixture, pub *publisher, admin core.PluginSession)
	}{
		{"unpublish", "unpublished", func(d map[string]any) bool { return d["unpublished"] != nil },
			func(_ *fixture, pub *publisher, _ core.PluginSession) { pub.unpublish(false) }},
		{"moderate", "moderated", func(d map[string]any) bool { return d["moderation"] != nil },
			func(f *fixture, _ *publisher, admin core.PluginSession) {
				f.sync(admin, `{"request":"moderate","room":1234,"secret":"adminpwd","id":5,"mid":"0","mute":true}`)
			}},
		{"talking", "talking", func(d map[string]any) bool { return d["videoroom"] == "talking" },
			func(f *fixture, pub *publisher, _ core.PluginSession) {
				ps := &pubStream{pub: pub, mid: "0", kind: "audio", levelExt: 1,
					level: audioLevel{on: true, activePackets: 1, avg: defaultAudioLevelAverage}}
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2}}
				_ = pkt.SetExtension(1, []byte{10}) // loud
				ps.noteLevel(pkt)
				testkit.Until(f.t, coretest.ExpectTimeout, "the kick", func() bool { return len(findEvents(f.host, "kicked")) == 1 })
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, testConfig)
			w := f.watchedPublisher(tc.notice, kickPublisher5)
			pub := w.s.(*session).pub
			audio := &pubStream{pub: pub, mid: "0", kind: "audio", codecName: "opus"}
			audio.dests.Store(&[]*subStream{})
			pub.mu.Lock()
			pub.publishing, pub.published = true, true // up, without the media the test does not need
			pub.streams = []*pubStream{audio}
			pub.mu.Unlock()
			tc.do(f, pub, w.ws)
			w.wh.settle(t)
			checkEventOrder(t, f.host, eventOrVideoroomName, tc.event, "kicked")
		})
	}
}

// TestLeavingBeforeTheRoomIsDestroyed: a participant that destroys the
// room the moment it hears another one left comes after that one's
// "leaving" event.
func TestLeavingBeforeTheRoomIsDestroyed(t *testing.T) {
	f := newFixture(t, testConfig)
	w := f.watchedPublisher(func(d map[string]any) bool { return d["leaving"] == float64(5) },
		`{"request":"destroy","room":1234,"secret":"adminpwd"}`)
	f.async(w.h, w.s, `{"request":"leave"}`, nil)
	w.wh.settle(t)
	checkEventOrder(t, f.host, eventName, "leaving", "destroyed")
}

// TestDestroyedBeforeQuickRecreate: a participant that creates the room
// again the moment it reads "destroyed" comes after the room's
// "destroyed" event.
func TestDestroyedBeforeQuickRecreate(t *testing.T) {
	f := newFixture(t, testConfig)
	ph, ps := f.hookedHandle()
	_, admin := f.handle()
	ph.match = func(d map[string]any) bool { return d["videoroom"] == "destroyed" }
	ph.act = func() { f.sync(ps, `{"request":"create","room":1234,"admin_key":"ak"}`) }
	f.joinPublisher(ph.Handle, ps, 5)
	if got := f.sync(admin, `{"request":"destroy","room":1234,"secret":"adminpwd"}`); got["videoroom"] != "destroyed" {
		t.Fatalf("destroy = %v", got)
	}
	ph.settle(t)
	checkEventOrder(t, f.host, eventName, "destroyed", "created")
}

// TestTemporalNoticesInOrder: a subscriber whose temporal layer goes
// from 2 to 0 hears 2, then 0, even when the first notice is slow.
func TestTemporalNoticesInOrder(t *testing.T) {
	h := newHoldFirst(coretest.NewHandle(3, "", nil), "temporal", float64(2), float64(0)) // layer 2's notice held until layer 0's
	_, d, _, ps := pushSubscriberOn(t, h)
	seq := feedVP8(d, ps, 1, 1, 0) // layer 2 reached
	d.temporal.Store(0)
	feedVP8(d, ps, seq, 4, 1) // layer 0 reached at frame 4
	var got []any
	for range 2 {
		p := h.Expect(t, "a temporal notice", func(p coretest.Push) bool { return p.Data["temporal"] != nil })
		got = append(got, p.Data["temporal"])
	}
	if want := []any{float64(2), float64(0)}; !slices.Equal(got, want) {
		t.Errorf("temporal notices %v, want %v", got, want)
	}
}
