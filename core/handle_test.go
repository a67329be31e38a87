package core_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
)

// TestDetachEndsPeerWait: a plugin's Peer() that waits for the handle's
// closing PeerConnection to hang up returns ErrHandleGone as soon as the
// handle is detached, not ErrStillCleaning after the 3 s wait (a detached
// PeerConnection's Hangup is no longer the live one's, so the wait had
// nothing left to end it).
func TestDetachEndsPeerWait(t *testing.T) {
	e := engineEnv(t)
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	hd := e.a.Sessions()[0].Handle()
	if _, err := hd.Peer(); err != nil {
		t.Fatalf("first Peer: %v", err)
	}
	if !core.MarkPeerClosing(e.g, core.SessionID(s), core.HandleID(h)) {
		t.Fatal("the handle has no PeerConnection")
	}
	done := make(chan error, 1)
	go func() {
		_, err := hd.Peer()
		done <- err
	}()
	waitParked(t, "core.(*handle).ensurePeer")
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

// waitParked waits until a goroutine is blocked in a select inside fn (a
// function name as runtime.Stack prints it).
func waitParked(t *testing.T, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(wait); ; {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, " [select") && strings.Contains(g, fn+"(") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine waiting in %s", fn)
		}
		time.Sleep(time.Millisecond)
	}
}
