package core

import (
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
