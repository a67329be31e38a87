package e2e

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/janusclient/argustest"
	"github.com/argusrtc/argus/telemetry"
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
func testLogger() *slog.Logger { return argustest.LoggerFromEnv() }

// startServer starts Argus and stops it (in Janus's order: transports,
// gateway, engine) when the test ends.
func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	a := argustest.StartWith(t, argustest.Options{
		Name:        "argus-e2e",
		Logger:      testLogger(),
		Emitter:     o.emitter,
		StatsPeriod: time.Second,
		Admin:       true,
		Configure: func(cfg *core.Config) {
			cfg.AdminSecret = adminSecret
			cfg.APISecret = o.apiSecret
			if o.sessionTimeout > 0 {
				cfg.SessionTimeout = o.sessionTimeout
			}
			if o.watchdog > 0 {
				cfg.WatchdogInterval = o.watchdog
			}
		},
	})
	return &server{httpURL: a.HTTP, wsURL: a.WS, adminURL: a.AdminHTTP, adminWSURL: a.AdminWS, gateway: a.Gateway}
}

// transports are the two ways every test reaches Argus.
var transports = []string{"http", "ws"}

// forEachTransport runs f as a subtest per transport, with a client of
// srv dialled over it and a context that ends after timeout.
func forEachTransport(t *testing.T, srv *server, timeout time.Duration, f func(t *testing.T, ctx context.Context, tr string, c janusClient)) {
	t.Helper()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			c := srv.dial(t, tr)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			f(t, ctx, tr, c)
		})
	}
}

// dial connects a Janus client over the named transport.
func (s *server) dial(t *testing.T, transport string) janusClient {
	t.Helper()
	url := map[string]string{"http": s.httpURL, "ws": s.wsURL}[transport]
	return dialURL(t, "dial "+transport, url, janusclient.Options{})
}

// dialAdmin connects an Admin API client over HTTP (/admin) or WebSocket
// (janus-admin-protocol).
func (s *server) dialAdmin(t *testing.T, transport string) janusClient {
	t.Helper()
	url := map[string]string{"http": s.adminURL, "ws": s.adminWSURL}[transport]
	return dialURL(t, "dial admin "+transport, url, janusclient.Options{Protocol: janusclient.ProtocolAdmin})
}

// dialURL connects a client to url (empty for an unknown transport),
// closed when the test ends; what names the dial in failures.
func dialURL(t *testing.T, what, url string, opts janusclient.Options) janusClient {
	t.Helper()
	if url == "" {
		t.Fatalf("%s: unknown transport", what)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := janusclient.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	t.Cleanup(c.Close)
	return c
}
