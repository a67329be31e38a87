package websocket

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestIdleConnectionClosed: a socket that sends nothing for IdleTimeout is
// closed, one that keeps talking is not.
func TestIdleConnectionClosed(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IdleTimeout = 300 * time.Millisecond; c.PingInterval = -1 })
	busy := e.mustDial(t, ProtocolJanus)
	e.mustDial(t, ProtocolJanus) // silent
	start := time.Now()
	for time.Since(start) < 900*time.Millisecond {
		send(t, busy, `{"janus":"ping","transaction":"p"}`)
		if m := recv(t, busy); m["janus"] != "pong" {
			t.Fatalf("busy socket: %v", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.gone(t) // the silent one, long since
	select {
	case c := <-e.gw.Gone():
		t.Fatalf("a second connection ended: %v", c.Info())
	default:
	}
}

// TestNoPongClosesConnection: a peer that does not answer pings (it never
// reads) is closed after PongTimeout, even though the idle timeout is off.
func TestNoPongClosesConnection(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.PingInterval, c.PongTimeout, c.IdleTimeout = 100*time.Millisecond, 200*time.Millisecond, -1
	})
	e.mustDial(t, ProtocolJanus) // never reads, so never pongs
	e.gone(t)
}

// TestAdminOrigin: the admin socket refuses cross-origin handshakes but for
// the configured origin; the Janus API socket takes any origin (Janus).
func TestAdminOrigin(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Admin = true; c.AdminAllowOrigin = "https://ops.example" })
	host := strings.TrimPrefix(e.srv.URL, "http://")
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{"http://" + host, true},
		{"https://ops.example", true},
		{"https://evil.example", false},
		{"null", false},
	}
	for _, tt := range tests {
		hdr := http.Header{}
		if tt.origin != "" {
			hdr.Set("Origin", tt.origin)
		}
		_, resp, err := e.dial(t, hdr, ProtocolAdmin)
		if (err == nil) != tt.ok {
			t.Fatalf("origin %q: err %v, want ok=%v", tt.origin, err, tt.ok)
		}
		if !tt.ok && (resp == nil || resp.StatusCode != http.StatusForbidden) {
			t.Fatalf("origin %q: response %v, want 403", tt.origin, resp)
		}
	}
}
