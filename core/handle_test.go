package core_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// TestDetachEndsPeerWait: a plugin's Peer() that waits for the handle's
// closing PeerConnection to hang up returns ErrHandleGone as soon as the
// handle is detached, not ErrStillCleaning after the 3 s wait (a detached
// PeerConnection's Hangup is no longer the live one's, so the wait had
// nothing left to end it).
func TestDetachEndsPeerWait(t *testing.T) {
	e, s, h, hd := closingHandle(t)
	done := make(chan error, 1)
	go func() {
		_, err := hd.Peer()
		done <- err
	}()
	waitParked(t, "core.(*handle).ensurePeer", nil)
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h); m["janus"] != "success" {
		t.Fatalf("detach: %v", m)
	}
	detached := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, core.ErrHandleGone) {
			t.Fatalf("Peer after detach = %v (%v after it), want ErrHandleGone", err, time.Since(detached))
		}
	case <-time.After(wait):
		t.Fatal("Peer still waiting after detach")
	}
}

// gatedPlugin is a fake plugin whose sessions' Hangup waits until the
// test releases it, and which records a Destroy that overlaps a Hangup.
type gatedPlugin struct {
	*coretest.Plugin
	sessions chan *gatedSession
}

func (p *gatedPlugin) NewSession(h core.Handle) (core.PluginSession, error) {
	ps, err := p.Plugin.NewSession(h)
	if err != nil {
		return nil, err
	}
	s := &gatedSession{PluginSession: ps, entered: make(chan struct{}), release: make(chan struct{})}
	p.sessions <- s
	return s, nil
}

type gatedSession struct {
	core.PluginSession
	entered chan struct{} // closed when Hangup starts
	release chan struct{} // closed by the test to let Hangup end

	once     sync.Once
	openOnce sync.Once
	mu       sync.Mutex
	hanging  bool
	overlaps int // Destroy calls while a Hangup ran
}

func (s *gatedSession) Hangup() {
	s.mu.Lock()
	s.hanging = true
	s.mu.Unlock()
	s.once.Do(func() { close(s.entered) })
	<-s.release
	s.PluginSession.Hangup()
	s.mu.Lock()
	s.hanging = false
	s.mu.Unlock()
}

// open lets Hangup end (now and from now on).
func (s *gatedSession) open() { s.openOnce.Do(func() { close(s.release) }) }

func (s *gatedSession) Destroy() {
	s.mu.Lock()
	if s.hanging {
		s.overlaps++
	}
	s.mu.Unlock()
	s.PluginSession.Destroy()
}

// TestDetachAwaitsHangupUnderWay: a detach that comes while the
// PeerConnection's Hangup is under way (it already left the handle) waits
// for it, as it waits for a PeerConnection it closes itself: the plugin's
// Destroy does not overlap its Hangup, and the client reads "hangup"
// before "detached".
func TestDetachAwaitsHangupUnderWay(t *testing.T) {
	e, gs, hd, s, h := gatedHandle(t)
	hangingUp(t, gs, hd)
	detached := make(chan []byte, 1)
	go func() {
		detached <- e.g.HandleJanus(context.Background(), e.c,
			fmt.Appendf(nil, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h), core.PathIDs{})
	}()
	// Either the detach waits for the Hangup, or it ended without it.
	waitParked(t, "core.awaitPeer", func() bool { return len(detached) > 0 })
	gs.open()
	select {
	case out := <-detached:
		if m := decode(out); m["janus"] != "success" {
			t.Fatalf("detach: %s", out)
		}
	case <-time.After(wait):
		t.Fatal("detach did not return")
	}
	gs.mu.Lock()
	overlaps := gs.overlaps
	gs.mu.Unlock()
	if overlaps != 0 {
		t.Error("the plugin session was destroyed while its Hangup ran")
	}
	var order []string
	for _, p := range e.c.Messages() {
		if k, _ := p.JSON["janus"].(string); k == "hangup" || k == "detached" {
			order = append(order, k)
		}
	}
	if fmt.Sprint(order) != "[hangup detached]" {
		t.Errorf("pushes %v, want [hangup detached]", order)
	}
}

// TestPeerWaitsForHangupUnderWay: a plugin's Peer() that comes while the
// previous PeerConnection's Hangup is still telling the plugin (it left
// the handle already) waits for that Hangup before it makes a new one, as
// for a PeerConnection being closed: the plugin never holds a new
// PeerConnection before it heard the old one hang up.
func TestPeerWaitsForHangupUnderWay(t *testing.T) {
	_, gs, hd, _, _ := gatedHandle(t)
	old := hangingUp(t, gs, hd)
	got := make(chan *webrtc.Peer, 1)
	go func() {
		p, err := hd.Peer()
		if err != nil {
			t.Errorf("Peer after the Hangup: %v", err)
		}
		got <- p
	}()
	// Either Peer waits for the Hangup, or it returned without it.
	waitParked(t, "core.(*handle).ensurePeer", func() bool { return len(got) > 0 })
	if len(got) > 0 {
		t.Fatal("Peer made a new PeerConnection while the old one's Hangup ran")
	}
	gs.open()
	select {
	case p := <-got:
		if p == nil || p == old {
			t.Fatalf("Peer after the Hangup = %p, old %p: want a new one", p, old)
		}
	case <-time.After(wait):
		t.Fatal("Peer still waiting after the Hangup ended")
	}
}

// TestOfferDuringDetach: an offer that waits for the handle's closing
// PeerConnection when the handle is detached is answered as Janus answers
// it (setting up ICE on a destroyed handle fails: 490 "Error setting ICE
// locally"), at once.
func TestOfferDuringDetach(t *testing.T) {
	e, s, h, _ := closingHandle(t)
	_, offer := clientOffer(t)
	answer := make(chan map[string]any, 1)
	go func() { answer <- e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o1", "answer", "offer", offer)) }()
	waitParked(t, "core.(*handle).ensurePeer", func() bool { return len(answer) > 0 })
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h); m["janus"] != "success" {
		t.Fatalf("detach: %v", m)
	}
	select {
	case m := <-answer:
		e, _ := m["error"].(map[string]any)
		if m["janus"] != "error" || num(t, e["code"]) != 490 || e["reason"] != "Error setting ICE locally" {
			t.Fatalf("offer during detach = %v, want error 490 Error setting ICE locally", m)
		}
	case <-time.After(wait):
		t.Fatal("the offer is still waiting after the detach")
	}
}

// closingHandle attaches a handle with a PeerConnection marked closing
// whose Hangup has not come (MarkPeerClosing).
func closingHandle(t *testing.T) (e *env, s, h uint64, hd core.Handle) {
	t.Helper()
	e = engineEnv(t)
	s = e.create(e.c)
	h = e.attach(s, pluginA)
	hd = e.a.Sessions()[0].Handle()
	if _, err := hd.Peer(); err != nil {
		t.Fatalf("first Peer: %v", err)
	}
	if !core.MarkPeerClosing(e.g, core.SessionID(s), core.HandleID(h)) {
		t.Fatal("the handle has no PeerConnection")
	}
	return e, s, h, hd
}

// gatedHandle attaches a handle to a gatedPlugin on a real engine.
func gatedHandle(t *testing.T) (e *env, gs *gatedSession, hd core.Handle, s, h uint64) {
	t.Helper()
	const pkg = "janus.plugin.gated"
	gp := &gatedPlugin{Plugin: coretest.NewPlugin(pkg), sessions: make(chan *gatedSession, 1)}
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test"})
	e = newEnv(t, func(c *core.Config) {
		c.Engine = eng
		c.PluginInstances = append(c.PluginInstances, gp)
	})
	s = e.create(e.c)
	h = e.attach(s, pkg)
	gs = <-gp.sessions
	t.Cleanup(gs.open) // a failed test must not leave a Hangup waiting
	return e, gs, gp.Sessions()[0].Handle(), s, h
}

// hangingUp gives hd a PeerConnection, closes it and returns it once the
// gated plugin session's Hangup has started (and waits).
func hangingUp(t *testing.T, gs *gatedSession, hd core.Handle) *webrtc.Peer {
	t.Helper()
	p, err := hd.Peer()
	if err != nil {
		t.Fatalf("Peer: %v", err)
	}
	hd.ClosePeer()
	select {
	case <-gs.entered:
	case <-time.After(wait):
		t.Fatal("no plugin Hangup after ClosePeer")
	}
	return p
}

// waitParked waits until a goroutine is blocked in a select inside fn (a
// function name as runtime.Stack prints it), or until done (if not nil)
// reports true.
func waitParked(t *testing.T, fn string, done func() bool) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(wait); ; {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, " [select") && strings.Contains(g, fn+"(") {
				return
			}
		}
		if done != nil && done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine waiting in %s", fn)
		}
		time.Sleep(time.Millisecond)
	}
}
