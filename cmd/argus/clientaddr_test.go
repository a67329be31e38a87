package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

// postAs POSTs body to url as a proxy would, naming client in header
// hdr, and returns the decoded reply.
func postAs(t *testing.T, url, hdr, client, body string) map[string]any {
	t.Helper()
	return postWith(t, url, http.Header{http.CanonicalHeaderKey(hdr): {client}}, body)
}

// TestTrustedProxiesSessionsPerIP: with -trusted-proxies 127.0.0.1 (the
// test's own address, standing for a reverse proxy), two clients named
// by its -trusted-proxy-header each get their own -max-sessions-per-ip
// budget, and the transport events carry the forwarded address; without
// it, or in another header than the one chosen, the header is ignored
// and both share 127.0.0.1's budget.
func TestTrustedProxiesSessionsPerIP(t *testing.T) {
	for _, tt := range []struct {
		name    string
		extra   []string
		hdr     string // the header the client is named in
		trusted bool
	}{
		{"trusted", []string{"-trusted-proxies", "127.0.0.1"}, "X-Forwarded-For", true},
		{"not trusted", nil, "X-Forwarded-For", false},
		{"X-Real-IP chosen", []string{"-trusted-proxies", "127.0.0.1", "-trusted-proxy-header", "x-real-ip"}, "X-Real-IP", true},
		{"X-Real-IP chosen, X-Forwarded-For ignored", []string{"-trusted-proxies", "127.0.0.1", "-trusted-proxy-header", "X-Real-IP"}, "X-Forwarded-For", false},
		{"X-Forwarded-For chosen, Forwarded ignored", []string{"-trusted-proxies", "127.0.0.1"}, "Forwarded", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wsURL, got := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
			addrs := startTestServer(t, append([]string{"-max-sessions-per-ip", "1", "-event-ws", wsURL}, tt.extra...)...)
			create := func(client string) map[string]any {
				if tt.hdr == "Forwarded" {
					client = "for=" + client
				}
				return postAs(t, addrs["http"]+"/janus", tt.hdr, client, `{"janus":"create","transaction":"c"}`)
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

// TestTrustedProxiesNotAdmin: the admin listeners never read the
// forwarding header, even from a trusted proxy (-trusted-proxies covers
// -http and -ws only): an Admin API request over -admin and a handshake
// on -admin-ws keep the peer's address in their transport events, while
// the public listeners' get the forwarded one.
func TestTrustedProxiesNotAdmin(t *testing.T) {
	wsURL, got := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	addrs := startTestServer(t, "-trusted-proxies", "127.0.0.1", "-event-ws", wsURL)
	postAs(t, addrs["admin"]+"/admin", "X-Forwarded-For", "203.0.113.3", `{"janus":"ping","transaction":"a"}`)
	postAs(t, addrs["http"]+"/janus", "X-Forwarded-For", "203.0.113.1", `{"janus":"ping","transaction":"p"}`)
	dial := func(url, proto, client string) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		c, res, err := cws.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &cws.DialOptions{
			Subprotocols: []string{proto}, HTTPHeader: http.Header{"X-Forwarded-For": {client}},
		})
		if res != nil && res.Body != nil {
			_ = res.Body.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	dial(addrs["admin-ws"], "janus-admin-protocol", "203.0.113.4")
	dial(addrs["ws"], "janus-protocol", "203.0.113.2")

	want := []string{
		`"event":"request","admin_api":true,"ip":"127.0.0.1"`,
		`"event":"connected","admin_api":true,"ip":"127.0.0.1"`,
		`"event":"request","admin_api":false,"ip":"203.0.113.1"`,
		`"event":"connected","admin_api":false,"ip":"203.0.113.2"`,
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var all bytes.Buffer
		for _, msg := range got.All() {
			_ = json.Compact(&all, msg.Data) // the handler indents
		}
		s := all.String()
		for _, never := range []string{"203.0.113.3", "203.0.113.4"} {
			if strings.Contains(s, never) {
				t.Fatalf("an admin listener took the forwarded %s: %s", never, s)
			}
		}
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no transport event with %s in %s", missing, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClientAddrFlags: -ipv6-client-prefix, -trusted-proxies and
// -trusted-proxy-header (and their ARGUS_* variables) reach the limits, in
// either order, and bad values stop the start.
func TestClientAddrFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		prefix  int
		proxies string
		header  clientaddr.Header
		bad     bool
	}{
		{"defaults", nil, nil, 64, "", clientaddr.HeaderXForwardedFor, false},
		{"set", []string{"-ipv6-client-prefix", "128", "-trusted-proxies", "10.0.0.0/8, 192.0.2.1", "-trusted-proxy-header", "Forwarded"}, nil, 128, "10.0.0.0/8,192.0.2.1/32", clientaddr.HeaderForwarded, false},
		{"header first", []string{"-trusted-proxy-header", "X-Real-IP", "-trusted-proxies", "10.0.0.0/8"}, nil, 64, "10.0.0.0/8", clientaddr.HeaderXRealIP, false},
		{"header any case", []string{"-trusted-proxies", "10.0.0.0/8", "-trusted-proxy-header", "x-real-ip"}, nil, 64, "10.0.0.0/8", clientaddr.HeaderXRealIP, false},
		{"header explicit default", []string{"-trusted-proxy-header", "x-forwarded-for"}, nil, 64, "", clientaddr.HeaderXForwardedFor, false},
		{"env", nil, map[string]string{"ARGUS_IPV6_CLIENT_PREFIX": "56", "ARGUS_TRUSTED_PROXIES": "::1", "ARGUS_TRUSTED_PROXY_HEADER": "FORWARDED"}, 56, "::1/128", clientaddr.HeaderForwarded, false},
		{"flag over env", []string{"-trusted-proxy-header", "X-Real-IP"}, map[string]string{"ARGUS_TRUSTED_PROXIES": "::1", "ARGUS_TRUSTED_PROXY_HEADER": "Forwarded"}, 64, "::1/128", clientaddr.HeaderXRealIP, false},
		{"prefix too short", []string{"-ipv6-client-prefix", "31"}, nil, 0, "", 0, true},
		{"prefix too long", []string{"-ipv6-client-prefix", "129"}, nil, 0, "", 0, true},
		{"bad proxy", []string{"-trusted-proxies", "10.0.0.1,proxy.example"}, nil, 0, "", 0, true},
		{"bad header", []string{"-trusted-proxies", "10.0.0.1", "-trusted-proxy-header", "True-Client-IP"}, nil, 0, "", 0, true},
		{"two headers", []string{"-trusted-proxy-header", "Forwarded,X-Forwarded-For"}, nil, 0, "", 0, true},
		{"bad header env", nil, map[string]string{"ARGUS_TRUSTED_PROXY_HEADER": "X-Forwarded"}, 0, "", 0, true},
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
			if got := c.Limits.TrustedProxies.Header(); got != tt.header {
				t.Fatalf("trusted proxy header %v, want %v", got, tt.header)
			}
		})
	}
	for _, bad := range []struct {
		args []string
		want error
	}{
		{[]string{"-trusted-proxies", "nope"}, clientaddr.ErrBadProxy},
		{[]string{"-trusted-proxy-header", "nope"}, clientaddr.ErrBadHeader},
	} {
		if _, err := parseConfig(bad.args, func(string) string { return "" }, io.Discard); err == nil ||
			!strings.Contains(err.Error(), bad.want.Error()) {
			t.Fatalf("%v: %v, want %v", bad.args, err, bad.want)
		}
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

// TestTrustedProxyHeaderWarning: a -trusted-proxy-header (or its
// variable) given without -trusted-proxies, where nothing reads it, is
// warned of at start; with proxies, or when not given, it is not.
func TestTrustedProxyHeaderWarning(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		warn bool
	}{
		{"header alone", []string{"-trusted-proxy-header", "Forwarded"}, nil, true},
		{"default header given alone", []string{"-trusted-proxy-header", "X-Forwarded-For"}, nil, true},
		{"header alone by variable", nil, map[string]string{"ARGUS_TRUSTED_PROXY_HEADER": "X-Real-IP"}, true},
		{"header with proxies", []string{"-trusted-proxies", "10.0.0.1", "-trusted-proxy-header", "Forwarded"}, nil, false},
		{"proxies alone", []string{"-trusted-proxies", "10.0.0.1"}, nil, false},
		{"neither", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			logStartup(slog.New(slog.NewTextHandler(&out, nil)), cfg, &server{})
			warned := strings.Contains(out.String(), "level=WARN") && strings.Contains(out.String(), "-trusted-proxy-header")
			if warned != tt.warn {
				t.Fatalf("warned %v, want %v:\n%s", warned, tt.warn, out.String())
			}
		})
	}
}
