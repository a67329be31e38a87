package core

import (
	"strings"
	"testing"
	"time"
)

// TestMonoDates: the dates a Peer puts in its info (time.Time, at any
// depth) are rendered on the Admin API's monotonic µs clock, as Janus
// renders handle_info's agent-created, ice.connected, dtls.connected.
func TestMonoDates(t *testing.T) {
	epoch := time.Unix(1000, 0)
	g := &Gateway{epoch: epoch}
	info := map[string]any{
		"agent-created": epoch.Add(2 * time.Millisecond),
		"webrtc":        map[string]any{"dtls": map[string]any{"connected": epoch.Add(3 * time.Second), "role": "active"}},
	}
	g.monoDates(info)
	if got := info["agent-created"]; got != int64(2001) {
		t.Errorf("agent-created = %#v, want 2001", got)
	}
	d := info["webrtc"].(map[string]any)["dtls"].(map[string]any)
	if d["connected"] != int64(3000001) || d["role"] != "active" {
		t.Errorf("dtls = %#v", d)
	}
}

// TestLastActivityMonotonic: a session's last activity is kept on the
// monotonic clock, as an offset from the gateway's epoch, so a step of
// the wall clock moves neither the session timeouts nor handle_info's
// session_last_activity.
func TestLastActivityMonotonic(t *testing.T) {
	g := &Gateway{epoch: time.Now()}
	s := &session{g: g}
	time.Sleep(2 * time.Millisecond)
	s.touch()
	off := time.Duration(s.lastActivity.Load())
	if off < 2*time.Millisecond || off > time.Minute {
		t.Fatalf("lastActivity = %v, want the time since the epoch", off)
	}
	last := s.lastActive()
	if !strings.Contains(last.String(), "m=+") {
		t.Errorf("lastActive %v has no monotonic reading", last)
	}
	if got, want := g.monoMicros(last), off.Microseconds()+1; got != want {
		t.Errorf("session_last_activity = %d µs, want %d", got, want)
	}
}
