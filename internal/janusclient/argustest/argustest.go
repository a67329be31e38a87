// Package argustest runs an in-process Argus for the tests of the test
// kit and of cmd/argus-load: the real engine (loopback candidates), the
// gateway and the HTTP and WebSocket Janus API transports, each on an
// ephemeral 127.0.0.1 port, stopped (in Janus's order: transports,
// gateway, engine) when the test ends. Plugins are those the test binary
// registers (blank imports).
package argustest

import (
	"context"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// URLs are the Janus API endpoints of a started Argus.
type URLs struct {
	WS   string // ws://127.0.0.1:port/
	HTTP string // http://127.0.0.1:port/janus
}

// Start runs Argus named name until the test ends.
func Start(t testing.TB, name string) URLs {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	engine, err := webrtc.NewEngine(webrtc.Config{ServerName: name, Logger: logger, IncludeLoopback: true})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = name
	cfg.StatusPeriod = 0
	cfg.Engine = engine
	cfg.Logger = logger
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	ht := http.New(http.Config{Gateway: gw, ServerName: name, Logger: logger})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
	httpSrv := httptest.NewServer(mux)
	wt := websocket.New(websocket.Config{Gateway: gw, ServerName: name, Logger: logger})
	wsSrv := httptest.NewServer(wt.Handler())
	t.Cleanup(func() {
		ht.Close()
		wt.Close()
		httpSrv.Close()
		wsSrv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if err := engine.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return URLs{WS: "ws" + strings.TrimPrefix(wsSrv.URL, "http") + "/", HTTP: httpSrv.URL + "/janus"}
}
