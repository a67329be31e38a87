package videoroom

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testkit"
)

// actOnPush runs act inside Push when a push matches, as a client that
// acts the moment it reads that push can, before the plugin's next line.
type actOnPush struct {
	*coretest.Handle
	match func(data map[string]any) bool
	act   func()
}

func (h *actOnPush) Push(tx string, data any, jsep *core.JSEP) error {
	err := h.Handle.Push(tx, data, jsep)
	if m, _ := coretest.ClientJSON(data); h.match(m) {
		h.act()
	}
	return err
}

// hookedHandle attaches a new session on an actOnPush handle; the test
// sets match and act.
func (f *fixture) hookedHandle() (*actOnPush, core.PluginSession) {
	f.t.Helper()
	h := &actOnPush{Handle: f.newHandle(), match: func(map[string]any) bool { return false }}
	return h, f.attach(h)
}

// TestKickedClientDetachingAtOnce: a kicked participant whose client
// detaches on reading the kick notice is still announced to the room as
// kicked (the notification and the event), not as leaving.
func TestKickedClientDetachingAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	kh, ks := f.hookedHandle()
	kh.match = func(d map[string]any) bool { return d["reason"] == "kicked" }
	kh.act = ks.Destroy // what the core does at detach
	oh, osess := f.handle()
	f.async(kh.Handle, ks, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
	f.async(oh, osess, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":6}`, nil)
	if got := f.sync(osess, `{"request":"kick","room":1234,"secret":"adminpwd","id":5}`); got["videoroom"] != "success" {
		t.Fatalf("kick = %v", got)
	}
	note := oh.Expect(t, "the room's notice", func(p coretest.Push) bool { return p.Data["kicked"] != nil || p.Data["leaving"] != nil })
	if !match(note.Data, map[string]any{"videoroom": "event", "room": 1234, "kicked": 5}) {
		t.Errorf("the room heard %v, want kicked 5", note.Data)
	}
	if evs := findEvents(f.host, "kicked"); len(evs) != 1 || evs[0].Handle != kh.ID() {
		t.Errorf("kicked events = %+v", evs)
	}
	if evs := findEvents(f.host, "leaving"); len(evs) != 0 {
		t.Errorf("leaving events = %+v, want none", evs)
	}
}

// holdTalking holds a "talking" push, before it is recorded, until a
// "stopped-talking" push has been recorded or a while passed, as a slow
// transport or scheduler can: out-of-order code then records them
// swapped every time.
type holdTalking struct {
	*coretest.Handle
	stopped chan struct{}
	once    sync.Once
}

func (h *holdTalking) Push(tx string, data any, jsep *core.JSEP) error {
	m, _ := coretest.ClientJSON(data)
	switch m["videoroom"] {
	case "talking":
		select {
		case <-h.stopped:
		case <-time.After(300 * time.Millisecond): // long enough for a racing push to come
		}
	case "stopped-talking":
		err := h.Handle.Push(tx, data, jsep)
		h.once.Do(func() { close(h.stopped) })
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
	lh := &holdTalking{Handle: coretest.NewHandle(f.next, "videoroom-test", f.eng), stopped: make(chan struct{})}
	ls, err := f.p.NewSession(lh)
	if err != nil {
		t.Fatal(err)
	}
	lh.Attach(ls)
	t.Cleanup(ls.Destroy)
	th, ts := f.handle()
	f.async(lh.Handle, ls, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":1}`, nil)
	f.async(th, ts, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":2}`, nil)
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
	var evs []any
	for _, e := range f.host.Events() {
		if v := e.Data["videoroom"]; v == "talking" || v == "stopped-talking" {
			evs = append(evs, v)
		}
	}
	if want := []any{"talking", "stopped-talking"}; !slices.Equal(evs, want) {
		t.Errorf("events %v, want %v", evs, want)
	}
}

// TestDestroyedRoomClientDetachingAtOnce: a publisher whose client
// detaches on reading the room's "destroyed" is reported unpublished, as
// when it stays, not as leaving.
func TestDestroyedRoomClientDetachingAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	ph, ps := f.hookedHandle()
	ph.match = func(d map[string]any) bool { return d["videoroom"] == "destroyed" }
	ph.act = ps.Destroy // what the core does at detach
	_, admin := f.handle()
	f.async(ph.Handle, ps, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
	pub := ps.(*session).pub
	pub.mu.Lock()
	pub.publishing = true // an answered offer, without the media the test does not need
	pub.mu.Unlock()
	if got := f.sync(admin, `{"request":"destroy","room":1234,"secret":"adminpwd"}`); got["videoroom"] != "destroyed" {
		t.Fatalf("destroy = %v", got)
	}
	ph.Expect(t, "destroyed", func(p coretest.Push) bool { return p.Data["videoroom"] == "destroyed" })
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
	ph, ps := f.handle()
	oh, osess := f.hookedHandle()
	oh.match = func(d map[string]any) bool {
		return d["publishers"] != nil && d["error_code"] == nil && d["videoroom"] == "event"
	}
	oh.act = func() { f.sync(osess, `{"request":"kick","room":1234,"secret":"adminpwd","id":5}`) }
	f.async(ph, ps, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
	f.async(oh.Handle, osess, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":6}`, nil)
	pub := ps.(*session).pub
	pub.mu.Lock()
	pub.publishing = true // an answered offer and its stream, without the media the test does not need
	audio := &pubStream{pub: pub, mid: "0", kind: "audio", codecName: "opus"}
	audio.dests.Store(&[]*subStream{})
	pub.streams = []*pubStream{audio}
	pub.mu.Unlock()
	pub.setupMedia()
	oh.Expect(t, "kicked", func(p coretest.Push) bool { return p.Data["kicked"] != nil })
	var order []string
	for _, e := range f.host.Events() {
		switch e.Data["event"] {
		case "published":
			order = append(order, "published")
			if streams, _ := e.Data["streams"].([]any); len(streams) != 1 {
				t.Errorf("published event streams = %v, want the audio stream", e.Data["streams"])
			}
		case "kicked":
			order = append(order, "kicked")
		}
	}
	if want := []string{"published", "kicked"}; !slices.Equal(order, want) {
		t.Errorf("events %v, want %v", order, want)
	}
}

// TestConfiguredThenKickedAtOnce: a participant that kicks a publisher
// the moment it hears of its new display name comes after the
// publisher's "configured" event.
func TestConfiguredThenKickedAtOnce(t *testing.T) {
	f := newFixture(t, testConfig)
	ph, ps := f.handle()
	oh, osess := f.hookedHandle()
	oh.match = func(d map[string]any) bool { return d["display"] == "renamed" }
	oh.act = func() { f.sync(osess, `{"request":"kick","room":1234,"secret":"adminpwd","id":5}`) }
	f.async(ph, ps, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
	f.async(oh.Handle, osess, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":6}`, nil)
	f.async(ph, ps, `{"request":"configure","display":"renamed"}`, nil)
	var order []string
	for _, e := range f.host.Events() {
		if name, _ := e.Data["event"].(string); name == "configured" || name == "kicked" {
			order = append(order, name)
		}
	}
	if want := []string{"configured", "kicked"}; !slices.Equal(order, want) {
		t.Errorf("events %v, want %v", order, want)
	}
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
			ph, ps := f.handle()
			oh, osess := f.hookedHandle()
			oh.match = tc.notice
			oh.act = func() { f.sync(osess, `{"request":"kick","room":1234,"secret":"adminpwd","id":5}`) }
			f.async(ph, ps, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
			f.async(oh.Handle, osess, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":6}`, nil)
			pub := ps.(*session).pub
			audio := &pubStream{pub: pub, mid: "0", kind: "audio", codecName: "opus"}
			audio.dests.Store(&[]*subStream{})
			pub.mu.Lock()
			pub.publishing, pub.published = true, true // up, without the media the test does not need
			pub.streams = []*pubStream{audio}
			pub.mu.Unlock()
			tc.do(f, pub, osess)
			var order []string
			for _, e := range f.host.Events() {
				name, _ := e.Data["event"].(string)
				if name == "" {
					name, _ = e.Data["videoroom"].(string)
				}
				if name == tc.event || name == "kicked" {
					order = append(order, name)
				}
			}
			if want := []string{tc.event, "kicked"}; !slices.Equal(order, want) {
				t.Errorf("events %v, want %v", order, want)
			}
		})
	}
}

// TestLeavingBeforeTheRoomIsDestroyed: a participant that destroys the
// room the moment it hears another one left comes after that one's
// "leaving" event.
func TestLeavingBeforeTheRoomIsDestroyed(t *testing.T) {
	f := newFixture(t, testConfig)
	ph, ps := f.handle()
	oh, osess := f.hookedHandle()
	oh.match = func(d map[string]any) bool { return d["leaving"] == float64(5) }
	oh.act = func() { f.sync(osess, `{"request":"destroy","room":1234,"secret":"adminpwd"}`) }
	f.async(ph, ps, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
	f.async(oh.Handle, osess, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":6}`, nil)
	f.async(ph, ps, `{"request":"leave"}`, nil)
	var order []string
	for _, e := range f.host.Events() {
		if name, _ := e.Data["event"].(string); name == "leaving" || name == "destroyed" {
			order = append(order, name)
		}
	}
	if want := []string{"leaving", "destroyed"}; !slices.Equal(order, want) {
		t.Errorf("events %v, want %v", order, want)
	}
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
	f.async(ph.Handle, ps, `{"request":"join","room":1234,"ptype":"publisher","pin":"1111","id":5}`, nil)
	if got := f.sync(admin, `{"request":"destroy","room":1234,"secret":"adminpwd"}`); got["videoroom"] != "destroyed" {
		t.Fatalf("destroy = %v", got)
	}
	var order []string
	for _, e := range f.host.Events() {
		if name, _ := e.Data["event"].(string); name == "destroyed" || name == "created" {
			order = append(order, name)
		}
	}
	if want := []string{"destroyed", "created"}; !slices.Equal(order, want) {
		t.Errorf("events %v, want %v", order, want)
	}
}

// holdFirstTemporal holds the layer 2 notice, before it is recorded,
// until the layer 0 notice has been recorded or a while passed, as a
// slow transport or scheduler can: out-of-order code then records them
// swapped every time.
type holdFirstTemporal struct {
	*coretest.Handle
	second chan struct{}
	once   sync.Once
}

func (h *holdFirstTemporal) Push(tx string, data any, jsep *core.JSEP) error {
	m, _ := coretest.ClientJSON(data)
	switch m["temporal"] {
	case float64(2):
		select {
		case <-h.second:
		case <-time.After(300 * time.Millisecond): // long enough for a racing push to come
		}
	case float64(0):
		err := h.Handle.Push(tx, data, jsep)
		h.once.Do(func() { close(h.second) })
		return err
	}
	return h.Handle.Push(tx, data, jsep)
}

// TestTemporalNoticesInOrder: a subscriber whose temporal layer goes
// from 2 to 0 hears 2, then 0, even when the first notice is slow.
func TestTemporalNoticesInOrder(t *testing.T) {
	h := &holdFirstTemporal{Handle: coretest.NewHandle(3, "", nil), second: make(chan struct{})}
	s := newSession(New(), h)
	t.Cleanup(s.Destroy)
	sub := &subscriber{s: s, room: &room{id: 7}}
	ps := &pubStream{kind: "video"}
	d, _ := newTestDest("video", ps)
	d.sub, d.mid = sub, "v1"
	sub.streams = []*subStream{d}
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
