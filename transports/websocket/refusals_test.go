package websocket

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/refusaltest"
)

// TestRefusedConnectionsCounted: each way the transport refuses a
// handshake, or ends a connection for an oversized message, counts one
// under its reason and no other (read as /metrics exports it); a
// connection the client closes counts nothing.
func TestRefusedConnectionsCounted(t *testing.T) {
	reasons := []string{transports.ReasonClosing, transports.ReasonOrigin, transports.ReasonSubprotocol,
		transports.ReasonHandshake, transports.ReasonTooLarge}
	tests := []struct {
		name   string
		mod    func(*Config)
		reason string // "" = nothing refused
		run    func(t *testing.T, e *env)
	}{
		{name: "origin", reason: transports.ReasonOrigin,
			mod: func(c *Config) { c.AllowOrigin, c.EnforceCORS = "https://app.example", true },
			run: func(t *testing.T, e *env) {
				_, resp, err := e.dial(t, http.Header{"Origin": {"https://evil.example"}}, ProtocolJanus)
				wantStatus(t, resp, err, http.StatusForbidden)
			}},
		{name: "admin origin", reason: transports.ReasonOrigin,
			mod: func(c *Config) { c.Admin = true },
			run: func(t *testing.T, e *env) {
				_, resp, err := e.dial(t, http.Header{"Origin": {"https://evil.example"}}, ProtocolAdmin)
				wantStatus(t, resp, err, http.StatusForbidden)
			}},
		{name: "subprotocol", reason: transports.ReasonSubprotocol,
			run: func(t *testing.T, e *env) {
				_, resp, err := e.dial(t, nil, "chat")
				wantStatus(t, resp, err, http.StatusBadRequest)
			}},
		{name: "closing", reason: transports.ReasonClosing,
			run: func(t *testing.T, e *env) {
				e.tr.Close()
				_, resp, err := e.dial(t, nil, ProtocolJanus)
				wantStatus(t, resp, err, http.StatusServiceUnavailable)
			}},
		{name: "not an upgrade", reason: transports.ReasonHandshake,
			run: func(t *testing.T, e *env) {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if resp.StatusCode < 400 {
					t.Fatalf("plain GET: %s", resp.Status)
				}
			}},
		{name: "too large", reason: transports.ReasonTooLarge,
			mod: func(c *Config) { c.MaxMessage = 64 },
			run: func(t *testing.T, e *env) {
				c := e.mustDial(t, ProtocolJanus)
				send(t, c, `{"janus":"ping","transaction":"`+strings.Repeat("x", 100)+`"}`)
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()
				if _, _, err := c.Read(ctx); cws.CloseStatus(err) != cws.StatusMessageTooBig {
					t.Fatalf("read after an oversized message: %v, want close 1009", err)
				}
				e.gone(t) // the reader counted before the teardown
			}},
		{name: "client closes",
			run: func(t *testing.T, e *env) {
				c := e.mustDial(t, ProtocolJanus)
				send(t, c, `{"janus":"ping","transaction":"p"}`)
				if m := recv(t, c); m["janus"] != "pong" {
					t.Fatalf("%v", m)
				}
				_ = c.Close(cws.StatusNormalClosure, "")
				e.gone(t)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := refusaltest.New(t)
			e := newEnv(t, func(c *Config) {
				c.ConnRefusals = m.Refusals.For(Package)
				if tc.mod != nil {
					tc.mod(c)
				}
			})
			tc.run(t, e)
			for _, r := range reasons {
				want := 0.0
				if r == tc.reason {
					want = 1
				}
				m.Want(t, Package, r, want)
			}
		})
	}
}

func wantStatus(t *testing.T, resp *http.Response, err error, status int) {
	t.Helper()
	if err == nil || resp == nil || resp.StatusCode != status {
		t.Fatalf("err %v resp %v, want status %d", err, resp, status)
	}
}
