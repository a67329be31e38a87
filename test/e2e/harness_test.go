package e2e

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
	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// server is one in-process Argus: real engine, gateway, HTTP and WebSocket
// transports, each on an ephemeral 127.0.0.1 port.
type server struct {
	httpURL    string // http://127.0.0.1:port/janus
	wsURL      string // ws://127.0.0.1:port/
	adminURL   string // http://127.0.0.1:port/admin
	adminWSURL string // ws://127.0.0.1:port/ (janus-admin-protocol)
	gateway    *core.Gateway
}

// adminSecret is the e2e gateway's Admin API secret.
const adminSecret = "e2e-admin-secret"

// serverOptions tweak the gateway for one test.
type serverOptions struct {
	sessionTimeout time.Duration // 0: Janus's 60 s
	watchdog       time.Duration // 0: Janus's 2 s
	emitter        telemetry.Emitter
	apiSecret      string
}

// testLogger logs to stderr at ARGUS_E2E_LOG level (default: errors only,
// so a failing run still shows why).
func testLogger() *slog.Logger {
	level := slog.LevelError
	if v := os.Getenv("ARGUS_E2E_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// startServer starts Argus and stops it (in Janus's order: transports,
// gateway, engine) when the test ends.
func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	logger := testLogger()
	engine, err := webrtc.NewEngine(webrtc.Config{
		ServerName:      "argus-e2e",
		Logger:          logger,
		IncludeLoopback: true,
		StatsPeriod:     time.Second,
		Emitter:         o.emitter,
	})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	cfg := core.DefaultConfig()
	cfg.ServerName = "argus-e2e"
	cfg.StatusPeriod = 0 // no periodic status events
	cfg.Engine = engine
	cfg.Logger = logger
	cfg.Emitter = o.emitter
	cfg.AdminSecret = adminSecret
	cfg.APISecret = o.apiSecret
	if o.sessionTimeout > 0 {
		cfg.SessionTimeout = o.sessionTimeout
	}
	if o.watchdog > 0 {
		cfg.WatchdogInterval = o.watchdog
	}
	gw, err := core.New(context.Background(), cfg)
	if err != nil {
		_ = engine.Close()
		t.Fatalf("core.New: %v", err)
	}
	ht := http.New(http.Config{Gateway: gw, Emitter: o.emitter, ServerName: "argus-e2e", Logger: logger, Admin: true})
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", ht.JanusHandler())
	mux.Handle("/janus/", ht.JanusHandler())
	mux.Handle("/admin", ht.AdminHandler())
	mux.Handle("/admin/", ht.AdminHandler())
	httpSrv := httptest.NewServer(mux)
	wt := websocket.New(websocket.Config{Gateway: gw, Emitter: o.emitter, ServerName: "argus-e2e", Logger: logger})
	wsSrv := httptest.NewServer(wt.Handler())
	awt := websocket.New(websocket.Config{Gateway: gw, Emitter: o.emitter, ServerName: "argus-e2e", Logger: logger, Admin: true})
	adminWSSrv := httptest.NewServer(awt.Handler())

	t.Cleanup(func() {
		ht.Close()
		wt.Close()
		awt.Close()
		httpSrv.Close()
		wsSrv.Close()
		adminWSSrv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if err := engine.Close(); err != nil {
			t.Errorf("engine close: %v", err)
		}
	})
	return &server{
		httpURL:    httpSrv.URL + "/janus",
		wsURL:      "ws" + strings.TrimPrefix(wsSrv.URL, "http") + "/",
		adminURL:   httpSrv.URL + "/admin",
		adminWSURL: "ws" + strings.TrimPrefix(adminWSSrv.URL, "http") + "/",
		gateway:    gw,
	}
}

// transports are the two ways every test reaches Argus.
var transports = []string{"http", "ws"}

// dial connects a Janus client over the named transport.
func (s *server) dial(t *testing.T, transport string) janusClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := map[string]string{"http": s.httpURL, "ws": s.wsURL}[transport]
	if url == "" {
		t.Fatalf("unknown transport %q", transport)
	}
	c, err := janusclient.Dial(ctx, url, janusclient.Options{})
	if err != nil {
		t.Fatalf("dial %s: %v", transport, err)
	}
	t.Cleanup(c.Close)
	return c
}

// dialAdmin connects an Admin API client over HTTP (/admin) or WebSocket
// (janus-admin-protocol).
func (s *server) dialAdmin(t *testing.T, transport string) janusClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := map[string]string{"http": s.adminURL, "ws": s.adminWSURL}[transport]
	if url == "" {
		t.Fatalf("unknown transport %q", transport)
	}
	c, err := janusclient.Dial(ctx, url, janusclient.Options{Protocol: janusclient.ProtocolAdmin})
	if err != nil {
		t.Fatalf("dial admin %s: %v", transport, err)
	}
	t.Cleanup(c.Close)
	return c
}
