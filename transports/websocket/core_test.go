package websocket

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/transports"
)

// The real core satisfies the transport's Gateway.
var _ transports.Gateway = (*core.Gateway)(nil)

func TestWithCoreCloseDestroysSessions(t *testing.T) {
	cfg := core.DefaultConfig()
	cfg.StatusPeriod = 0
	cfg.Plugins = []string{}
	cfg.Logger = slog.New(slog.DiscardHandler)
	gw, err := core.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	testkit.ShutdownAtEnd(t, "core shutdown", 5*time.Second, gw.Shutdown)
	e := newEnv(t, func(c *Config) { c.Gateway = gw })
	c := e.mustDial(t, ProtocolJanus)
	s := create(t, c)
	send(t, c, fmt.Sprintf(`{"janus":"keepalive","transaction":"k","session_id":%d}{"janus":"ping","transaction":"p"}`, s))
	if m := recv(t, c); m["janus"] != "ack" || m["transaction"] != "k" {
		t.Fatalf("keepalive: %v", m)
	}
	if m := recv(t, c); m["janus"] != "pong" {
		t.Fatalf("ping: %v", m)
	}
	if err := c.Close(cws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for gw.Touch(s) {
		if time.Now().After(deadline) {
			t.Fatal("session survived its transport")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
