package main

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/core"
)

// wsCreate sends a create over an open WebSocket and returns the reply.
func wsCreate(t *testing.T, c *cws.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, cws.MessageText, []byte(`{"janus":"create","transaction":"w"}`)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSessionsPerIPOverTransports: with -max-sessions-per-ip 2, the HTTP
// and WebSocket transports share one budget per client address (every
// client here is 127.0.0.1): a third create is refused with 472 and
// counted in argus_limit_refused_total{limit="sessions_per_ip"}, over
// either transport; a destroyed session frees its slot.
func TestSessionsPerIPOverTransports(t *testing.T) {
	addrs := startTestServer(t, "-max-sessions-per-ip", "2")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	ws, resp, err := cws.Dial(ctx, "ws"+strings.TrimPrefix(addrs["ws"], "http"), &cws.DialOptions{Subprotocols: []string{"janus-protocol"}})
	cancel()
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })

	httpCreate := func() map[string]any { return post(t, addrs["http"]+"/janus", `{"janus":"create","transaction":"h"}`) }
	first := httpCreate()
	if first["janus"] != "success" {
		t.Fatalf("first create: %v", first)
	}
	if m := wsCreate(t, ws); m["janus"] != "success" {
		t.Fatalf("WebSocket create: %v", m)
	}
	for name, create := range map[string]func() map[string]any{
		"http": httpCreate, "ws": func() map[string]any { return wsCreate(t, ws) },
	} {
		m := create()
		e, _ := m["error"].(map[string]any)
		if m["janus"] != "error" || e["code"] != float64(core.CodeNotAcceptingSessions) ||
			!strings.Contains(e["reason"].(string), "limit 2 per client address") {
			t.Fatalf("third create over %s: %v", name, m)
		}
	}
	series := `argus_limit_refused_total{limit="sessions_per_ip"}`
	if v, _ := metricValue(metrics(t, addrs), series); v != "2" {
		t.Fatalf("%s = %q, want 2", series, v)
	}

	id := uint64(first["data"].(map[string]any)["id"].(float64))
	if m := post(t, addrs["http"]+"/janus/"+strconv.FormatUint(id, 10), `{"janus":"destroy","transaction":"d"}`); m["janus"] != "success" {
		t.Fatalf("destroy: %v", m)
	}
	if m := httpCreate(); m["janus"] != "success" {
		t.Fatalf("create after a destroy: %v", m)
	}
}

// TestSessionsPerIPFlag maps -max-sessions-per-ip, -max-peerconnections
// and -max-peerconnections-per-ip (and their ARGUS_* variables) onto
// core.Limits, where 0 means the default: 0 and -1 both disable.
func TestSessionsPerIPFlag(t *testing.T) {
	tests := []struct {
		name                      string
		args                      []string
		env                       map[string]string
		perIP, maxPeer, peerPerIP int
	}{
		{"defaults", nil, nil, core.DefaultMaxSessionsPerIP, core.DefaultMaxPeerConnections, core.DefaultMaxPeerConnectionsPerIP},
		{"set", []string{"-max-sessions-per-ip", "5", "-max-peerconnections", "9", "-max-peerconnections-per-ip", "3"}, nil, 5, 9, 3},
		{"zero disables", []string{"-max-sessions-per-ip", "0", "-max-peerconnections", "0", "-max-peerconnections-per-ip", "0"}, nil, -1, -1, -1},
		{"minus one disables", []string{"-max-sessions-per-ip", "-1", "-max-peerconnections", "-1", "-max-peerconnections-per-ip", "-1"}, nil, -1, -1, -1},
		{"env", nil, map[string]string{"ARGUS_MAX_SESSIONS_PER_IP": "7", "ARGUS_MAX_PEERCONNECTIONS": "0", "ARGUS_MAX_PEERCONNECTIONS_PER_IP": "4"}, 7, -1, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			l := c.Limits.coreLimits()
			if l.MaxSessionsPerIP != tt.perIP || l.MaxPeerConnections != tt.maxPeer || l.MaxPeerConnectionsPerIP != tt.peerPerIP {
				t.Fatalf("core limits %+v, want per-IP %d, PeerConnections %d, per-IP %d", l, tt.perIP, tt.maxPeer, tt.peerPerIP)
			}
		})
	}
}
