package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

// postAs POSTs body to url as a proxy would, naming client in
// X-Forwarded-For, and returns the decoded reply.
func postAs(t *testing.T, url, client, body string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", client)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTrustedProxiesSessionsPerIP: with -trusted-proxies 127.0.0.1 (the
// test's own address, standing for a reverse proxy), two clients named
// by X-Forwarded-For each get their own -max-sessions-per-ip budget, and
// the transport events carry the forwarded address; without it the header
// is ignored and both share 127.0.0.1's budget.
func TestTrustedProxiesSessionsPerIP(t *testing.T) {
	for _, tt := range []struct {
		name    string
		extra   []string
		trusted bool
	}{
		{"trusted", []string{"-trusted-proxies", "127.0.0.1"}, true},
		{"not trusted", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wsURL, got := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
			addrs := startTestServer(t, append([]string{"-max-sessions-per-ip", "1", "-event-ws", wsURL}, tt.extra...)...)
			create := func(client string) map[string]any {
				return postAs(t, addrs["http"]+"/janus", client, `{"janus":"create","transaction":"c"}`)
			}
			refused := func(m map[string]any) bool {
				e, _ := m["error"].(map[string]any)
				return m["janus"] == "error" && e["code"] == float64(core.CodeNotAcceptingSessions)
			}
			if m := create("203.0.113.1"); m["janus"] != "success" {
				t.Fatalf("first client's create: %v", m)
			}
			if m := create("203.0.113.1"); !refused(m) {
				t.Fatalf("first client's second create: %v, want 472", m)
			}
			m := create("203.0.113.2")
			if tt.trusted && m["janus"] != "success" {
				t.Fatalf("second client's create: %v; want its own budget", m)
			}
			if !tt.trusted && !refused(m) {
				t.Fatalf("second client's create: %v; want 472, the header ignored", m)
			}

			// The transport events name the client: the forwarded one only
			// when trusted.
			want, never := `"ip":"203.0.113.2"`, `"ip":"127.0.0.1"`
			if !tt.trusted {
				want, never = never, want
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var all bytes.Buffer
				for _, msg := range got.All() {
					_ = json.Compact(&all, msg.Data) // the handler indents
				}
				if s := all.String(); strings.Contains(s, want) {
					if strings.Contains(s, never) {
						t.Fatalf("events name %s too", never)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no transport event with %s", want)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestClientAddrFlags: -ipv6-client-prefix and -trusted-proxies (and their
// ARGUS_* variables) reach the limits, and bad values stop the start.
func TestClientAddrFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		prefix  int
		proxies string
		bad     bool
	}{
		{"defaults", nil, nil, 64, "", false},
		{"set", []string{"-ipv6-client-prefix", "128", "-trusted-proxies", "10.0.0.0/8, 192.0.2.1"}, nil, 128, "10.0.0.0/8,192.0.2.1/32", false},
		{"env", nil, map[string]string{"ARGUS_IPV6_CLIENT_PREFIX": "56", "ARGUS_TRUSTED_PROXIES": "::1"}, 56, "::1/128", false},
		{"prefix too short", []string{"-ipv6-client-prefix", "31"}, nil, 0, "", true},
		{"prefix too long", []string{"-ipv6-client-prefix", "129"}, nil, 0, "", true},
		{"bad proxy", []string{"-trusted-proxies", "10.0.0.1,proxy.example"}, nil, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.bad {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Limits.coreLimits().IPv6ClientPrefix; got != tt.prefix {
				t.Fatalf("core IPv6ClientPrefix %d, want %d", got, tt.prefix)
			}
			if got := c.Limits.TrustedProxies.String(); got != tt.proxies {
				t.Fatalf("trusted proxies %q, want %q", got, tt.proxies)
			}
		})
	}
	if _, err := parseConfig([]string{"-trusted-proxies", "nope"}, func(string) string { return "" }, io.Discard); err == nil ||
		!strings.Contains(err.Error(), clientaddr.ErrBadProxy.Error()) {
		t.Fatalf("bad proxy: %v, want %v", err, clientaddr.ErrBadProxy)
	}
}

// TestTrustedProxiesConnsPerIP: a trusted proxy's connections are exempt
// from -max-conns-per-ip (they carry many clients), others are not.
func TestTrustedProxiesConnsPerIP(t *testing.T) {
	for _, tt := range []struct {
		name     string
		extra    []string
		secondOK bool
	}{
		{"trusted", []string{"-trusted-proxies", "127.0.0.1"}, true},
		{"not trusted", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addrs := startTestServer(t, append([]string{"-max-conns-per-ip", "1"}, tt.extra...)...)
			host := strings.TrimPrefix(addrs["http"], "http://")
			served := func() bool {
				c, err := net.DialTimeout("tcp", host, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = c.Close() }) // held open until the test ends
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, "GET /janus/info HTTP/1.1\r\nHost: argus\r\n\r\n"); err != nil {
					return false
				}
				line, err := bufio.NewReader(c).ReadString('\n')
				return err == nil && strings.HasPrefix(line, "HTTP/1.1 200")
			}
			if !served() {
				t.Fatal("first connection not served")
			}
			if got := served(); got != tt.secondOK {
				t.Fatalf("second connection served %v, want %v", got, tt.secondOK)
			}
		})
	}
}
