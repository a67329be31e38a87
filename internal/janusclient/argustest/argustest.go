// Package argustest runs an in-process Argus for tests (the test kit,
// cmd/argus-load, test/e2e, dashboards): the real engine (loopback
// candidates), the gateway and the HTTP and WebSocket Janus API
// transports, each on an ephemeral 127.0.0.1 port, stopped (in Janus's
// order: transports, gateway, engine) when the test ends. Plugins are
// those the test binary registers (blank imports).
package argustest

import (
	"context"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// URLs are the Janus API endpoints of a started Argus.
type URLs struct {
	WS   string // ws://127.0.0.1:port/
	HTTP string // http://127.0.0.1:port/janus
}

// Options shape the Argus that StartWith runs. The zero value is what
// Start runs.
type Options struct {
	Name    string       // server name (emitter of events); default "argus-test"
	Logger  *slog.Logger // default: discard
	Emitter telemetry.Emitter
	// StatsPeriod is the engine's media statistics period (0: its default).
	StatsPeriod time.Duration
	// Configure, when set, adjusts the gateway's config before core.New
	// (timeouts, secrets, plugin configs).
	Configure func(*core.Config)
	// Admin serves the Admin API too: /admin over HTTP and a second
	// WebSocket server for janus-admin-protocol.
	Admin bool
	// Handlers are extra routes of the HTTP server (e.g. /metrics).
	Handlers map[string]nethttp.Handler
}

// Argus is a started in-process Argus.
type Argus struct {
	URLs
	AdminHTTP string // http://127.0.0.1:port/admin (Options.Admin)
	AdminWS   string // ws://127.0.0.1:port/ (Options.Admin)
	Base      string // http://127.0.0.1:port, for Options.Handlers
	Gateway   *core.Gateway
}

// Start runs Argus named name until the test ends.
func Start(t testing.TB, name string) URLs {
	t.Helper()
	return StartWith(t, Options{Name: name}).URLs
}

// StartWith runs Argus shaped by o until the test ends.
func StartWith(t testing.TB, o Options) *Argus {
	t.Helper()
	if o.Name == "" {
		o.Name = "argus-test"
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	engine, err := webrtc.NewEngine(webrtc.Config{ServerName: o.Name, Logger: logger, IncludeLoopback: true,
		ICEEnforceList: testkit.LoopbackICE(), StatsPeriod: o.StatsPeriod, Emitter: o.Emitter})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = o.Name
	cfg.StatusPeriod = 0 // no periodic status events
	cfg.Engine = engine
	cfg.Logger = logger
	cfg.Emitter = o.Emitter
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	ht := http.New(http.Config{Gateway: gw, Emitter: o.Emitter, ServerName: o.Name, Logger: logger, Admin: o.Admin})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
	if o.Admin {
		mux.Handle("/admin", ht.AdminHandler())
		mux.Handle("/admin/", ht.AdminHandler())
	}
	for path, h := range o.Handlers {
		mux.Handle(path, h)
	}
	httpSrv := httptest.NewServer(mux)
	// The transports close first (ending long polls and WebSockets), then
	// their servers.
	transports, servers := []func(){ht.Close}, []func(){httpSrv.Close}
	wt := websocket.New(websocket.Config{Gateway: gw, Emitter: o.Emitter, ServerName: o.Name, Logger: logger})
	wsSrv := httptest.NewServer(wt.Handler())
	transports, servers = append(transports, wt.Close), append(servers, wsSrv.Close)
	a := &Argus{Base: httpSrv.URL, Gateway: gw, URLs: URLs{WS: wsURL(wsSrv), HTTP: httpSrv.URL + "/janus"}}
	if o.Admin {
		awt := websocket.New(websocket.Config{Gateway: gw, Emitter: o.Emitter, ServerName: o.Name, Logger: logger, Admin: true})
		adminWSSrv := httptest.NewServer(awt.Handler())
		transports, servers = append(transports, awt.Close), append(servers, adminWSSrv.Close)
		a.AdminHTTP, a.AdminWS = httpSrv.URL+"/admin", wsURL(adminWSSrv)
	}
	t.Cleanup(func() {
		for _, c := range append(transports, servers...) {
			c()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if err := engine.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return a
}

func wsURL(s *httptest.Server) string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/" }

// LoggerFromEnv logs to stderr at the level in ARGUS_E2E_LOG (default:
// errors only, so a failing run still shows why).
func LoggerFromEnv() *slog.Logger {
	level := slog.LevelError
	if v := os.Getenv("ARGUS_E2E_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
