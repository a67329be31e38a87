package websocket

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/clientaddr"
)

// TestTrustedProxyClientAddress: a WebSocket opened through a trusted
// proxy (127.0.0.1 here) carries, for every request, the client address
// the handshake's X-Forwarded-For named; untrusted, or when the proxy is
// said to set X-Real-IP instead, the header is ignored.
func TestTrustedProxyClientAddress(t *testing.T) {
	loopback := loopbackProxies(t)
	for _, tt := range []struct {
		name    string
		proxies clientaddr.Proxies
		want    string
	}{
		{"trusted", loopback, "203.0.113.7"},
		{"not trusted", clientaddr.Proxies{}, "127.0.0.1"},
		{"X-Real-IP chosen", loopback.WithHeader(clientaddr.HeaderXRealIP), "127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.TrustedProxies = tt.proxies })
			c, _, err := e.dial(t, http.Header{"X-Forwarded-For": {"203.0.113.7"}}, ProtocolJanus)
			if err != nil {
				t.Fatal(err)
			}
			send(t, c, `{"janus":"create","transaction":"c"}`)
			if m := recv(t, c); m["janus"] != "success" {
				t.Fatalf("create: %v", m)
			}
			calls := e.gw.Calls()
			if len(calls) != 1 || calls[0].Info.RemoteIP != tt.want || !calls[0].Info.PerIP {
				t.Fatalf("calls %+v, want one from %s", calls, tt.want)
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer safe for the logger and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTrustedProxyLogsClient: a connection's log lines name, besides the
// peer (remote, the proxy), the client the proxy forwarded; a connection
// whose client is its peer has no client attribute.
func TestTrustedProxyLogsClient(t *testing.T) {
	loopback := loopbackProxies(t)
	for _, tt := range []struct {
		name    string
		proxies clientaddr.Proxies
		want    string // "": no client attribute
	}{
		{"trusted", loopback, "client=203.0.113.7"},
		{"not trusted", clientaddr.Proxies{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			e := newEnv(t, func(c *Config) {
				c.TrustedProxies = tt.proxies
				c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			c, _, err := e.dial(t, http.Header{"X-Forwarded-For": {"203.0.113.7"}}, ProtocolJanus)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.CloseNow() // the transport logs the failed read
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(logs.String(), "websocket transport: read") {
				if time.Now().After(deadline) {
					t.Fatalf("no read log line:\n%s", logs.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			s := logs.String()
			if !strings.Contains(s, "remote=127.0.0.1:") {
				t.Fatalf("no remote peer in the log:\n%s", s)
			}
			if tt.want != "" && !strings.Contains(s, tt.want) || tt.want == "" && strings.Contains(s, "client=") {
				t.Fatalf("log wants %q (\"\": no client):\n%s", tt.want, s)
			}
		})
	}
}

// loopbackProxies trusts every loopback address as a reverse proxy.
func loopbackProxies(t *testing.T) clientaddr.Proxies {
	t.Helper()
	p, err := clientaddr.ParseProxies("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
