// Package argustest runs an in-process Argus for the tests of the test
// kit and of cmd/argus-load: the real engine (loopback candidates), the
// gateway and the HTTP and WebSocket Janus API transports, each on an
// ephemeral 127.0.0.1 port, stopped (in Janus's order: transports,
// gateway, engine) when the test ends. Plugins are those the test binary
// registers (blank imports).
package argustest

import (
	"context"
	"encoding/json"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// URLs are the Janus API endpoints of a started Argus.
type URLs struct {
	WS    string // ws://127.0.0.1:port/
	HTTP  string // http://127.0.0.1:port/janus
	Admin string // http://127.0.0.1:port/admin, with Options.AdminSecret
}

// Options add to the default in-process Argus; the zero value is Start's.
type Options struct {
	// Emitter receives every core, WebRTC, plugin and transport event.
	Emitter telemetry.Emitter
	// StatsPeriod is the media report period (0: none).
	StatsPeriod time.Duration
	// PluginConfigs are the plugins' configurations by package name.
	PluginConfigs map[string]json.RawMessage
	// Transports and EventHandlers are listed in server_info.
	Transports    []core.TransportDesc
	EventHandlers map[string]core.EventHandler
	// AdminSecret, when set, enables the Admin API over HTTP (/admin).
	AdminSecret string
}

// Start runs Argus named name until the test ends.
func Start(t testing.TB, name string) URLs { return StartWith(t, name, Options{}) }

// StartWith runs Argus named name with o until the test ends.
func StartWith(t testing.TB, name string, o Options) URLs {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	engine, err := webrtc.NewEngine(webrtc.Config{ServerName: name, Logger: logger, IncludeLoopback: true,
		Emitter: o.Emitter, StatsPeriod: o.StatsPeriod})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = name
	cfg.StatusPeriod = 0
	cfg.Engine = engine
	cfg.Logger = logger
	cfg.Emitter = o.Emitter
	cfg.PluginConfigs = o.PluginConfigs
	cfg.Transports = o.Transports
	cfg.EventHandlers = o.EventHandlers
	cfg.AdminSecret = o.AdminSecret
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	ht := http.New(http.Config{Gateway: gw, Emitter: o.Emitter, ServerName: name, Logger: logger, Admin: o.AdminSecret != ""})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
	if o.AdminSecret != "" {
		mux.Handle("/admin", ht.AdminHandler())
		mux.Handle("/admin/", ht.AdminHandler())
	}
	httpSrv := httptest.NewServer(mux)
	wt := websocket.New(websocket.Config{Gateway: gw, Emitter: o.Emitter, ServerName: name, Logger: logger})
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
	u := URLs{WS: "ws" + strings.TrimPrefix(wsSrv.URL, "http") + "/", HTTP: httpSrv.URL + "/janus"}
	if o.AdminSecret != "" {
		u.Admin = httpSrv.URL + "/admin"
	}
	return u
}
