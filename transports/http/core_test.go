package http

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/transports"
)

// The real core satisfies the transport's Gateway.
var _ transports.Gateway = (*core.Gateway)(nil)

// newCoreEnv runs the transport in front of a real core (no plugins, no
// WebRTC engine) with a fast session timeout.
func newCoreEnv(t *testing.T, sessionTimeout time.Duration) *env {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.StatusPeriod = 0
	cfg.SessionTimeout = sessionTimeout
	cfg.WatchdogInterval = 50 * time.Millisecond
	cfg.Plugins = []string{}
	cfg.Logger = slog.New(slog.DiscardHandler)
	gw, err := core.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	e := newEnv(t, func(c *Config) { c.Gateway = gw; c.LongPollTimeout = 5 * time.Second })
	testkit.ShutdownAtEnd(t, "core shutdown", 5*time.Second, gw.Shutdown)
	return e
}

func TestWithCoreCreatePollDestroy(t *testing.T) {
	e := newCoreEnv(t, time.Minute)
	s := e.create(t)
	r := e.do(t, "POST", fmt.Sprintf("/janus/%d", s), `{"janus":"keepalive","transaction":"k"}`, nil)
	if m := decode(t, r.body); m["janus"] != "ack" || m["transaction"] != "k" {
		t.Fatalf("keepalive: %s", r.body)
	}
	r = e.do(t, "POST", fmt.Sprintf("/janus/%d", s+1), `{"janus":"keepalive","transaction":"k","session_id":12}`, nil)
	if code, _ := errCode(t, r.body); code != 457 && code != 458 {
		t.Fatalf("conflicting ids: %s", r.body)
	}
	r = e.do(t, "GET", "/janus/info", "", nil)
	if m := decode(t, r.body); m["janus"] != "server_info" {
		t.Fatalf("info: %s", r.body)
	}
	r = e.do(t, "POST", fmt.Sprintf("/janus/%d", s), `{"janus":"destroy","transaction":"d"}`, nil)
	if m := decode(t, r.body); m["janus"] != "success" {
		t.Fatalf("destroy: %s", r.body)
	}
	if r := e.do(t, "GET", fmt.Sprintf("/janus/%d", s), "", nil); r.status != 404 {
		t.Fatalf("poll after destroy: %d %s", r.status, r.body)
	}
	if n := e.tr.qs.len(); n != 0 {
		t.Fatalf("%d queues left", n)
	}
}

func TestWithCoreTimeoutReachesParkedPoll(t *testing.T) {
	e := newCoreEnv(t, time.Second)
	s := e.create(t)
	// The poll itself refreshes the session, so the timeout fires about one
	// session timeout after the poll parked, well within the park time.
	r := e.do(t, "GET", fmt.Sprintf("/janus/%d?maxev=5", s), "", nil)
	if !strings.Contains(r.body, `"janus":"timeout"`) {
		t.Fatalf("poll got %s", r.body)
	}
	testkit.Until(t, 5*time.Second, "queue deletion", func() bool { return e.tr.qs.len() == 0 })
}
