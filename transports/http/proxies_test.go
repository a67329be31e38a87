package http

import (
	"testing"

	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/telemetry"
)

// TestTrustedProxyClientAddress: a request from a trusted proxy
// (127.0.0.1 here) reaches the gateway, and its transport event, with the
// client address the proxy forwarded in the header chosen; from an
// untrusted peer, or in another header, it is ignored.
func TestTrustedProxyClientAddress(t *testing.T) {
	loopback, err := clientaddr.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := clientaddr.ParseProxies("192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		proxies  clientaddr.Proxies
		hdr      map[string]string
		wantIP   string
		wantPort int // -1: the peer's
	}{
		{"not trusted", clientaddr.Proxies{}, map[string]string{"X-Forwarded-For": "203.0.113.7"}, "127.0.0.1", -1},
		{"another proxy trusted", other, map[string]string{"X-Forwarded-For": "203.0.113.7"}, "127.0.0.1", -1},
		{"X-Forwarded-For", loopback, map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}, "203.0.113.7", 0},
		{"Forwarded IPv6", loopback.WithHeader(clientaddr.HeaderForwarded), map[string]string{"Forwarded": `for="[2001:db8::5]:4711";proto=https`}, "2001:db8::5", 4711},
		{"Forwarded ignored when X-Forwarded-For is chosen", loopback, map[string]string{"Forwarded": "for=192.0.2.66", "X-Forwarded-For": "203.0.113.7"}, "203.0.113.7", 0},
		{"X-Real-IP", loopback.WithHeader(clientaddr.HeaderXRealIP), map[string]string{"X-Real-IP": "203.0.113.8", "X-Forwarded-For": "192.0.2.66"}, "203.0.113.8", 0},
		{"X-Forwarded-For ignored when X-Real-IP is chosen", loopback.WithHeader(clientaddr.HeaderXRealIP), map[string]string{"X-Forwarded-For": "192.0.2.66"}, "127.0.0.1", -1},
		{"garbage", loopback, map[string]string{"X-Forwarded-For": "nonsense"}, "127.0.0.1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.TrustedProxies = tt.proxies })
			e.do(t, "POST", "/janus", `{"janus":"create","transaction":"c"}`, tt.hdr)
			calls := e.gw.Calls()
			if len(calls) != 1 {
				t.Fatalf("%d calls", len(calls))
			}
			info := calls[0].Info
			if info.RemoteIP != tt.wantIP || !info.PerIP {
				t.Fatalf("client %s (PerIP %v), want %s", info.RemoteIP, info.PerIP, tt.wantIP)
			}
			if tt.wantPort >= 0 && info.RemotePort != tt.wantPort || tt.wantPort < 0 && info.RemotePort == 0 {
				t.Fatalf("client port %d, want %d (-1: the peer's)", info.RemotePort, tt.wantPort)
			}
			evs := e.em.Events()
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			data, _ := evs[0].Body.(telemetry.TransportBody).Data.(telemetry.TransportData)
			if data.IP != tt.wantIP || data.Port != info.RemotePort {
				t.Fatalf("transport event from %s:%d, want %s:%d", data.IP, data.Port, tt.wantIP, info.RemotePort)
			}
		})
	}
}

// TestTrustedProxyAdminIgnored: the Admin API, served by the same
// Transport, never reads the forwarding header: its client is the peer
// even when that is a trusted proxy, while a Janus API request next to it
// gets the forwarded address.
func TestTrustedProxyAdminIgnored(t *testing.T) {
	loopback, err := clientaddr.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.TrustedProxies = loopback })
	hdr := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	e.do(t, "POST", "/admin", `{"janus":"ping","transaction":"a"}`, hdr)
	e.do(t, "POST", "/janus", `{"janus":"create","transaction":"c"}`, hdr)
	calls := e.gw.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	for i, want := range []struct {
		admin bool
		ip    string
	}{{true, "127.0.0.1"}, {false, "203.0.113.7"}} {
		if info := calls[i].Info; info.Admin != want.admin || info.RemoteIP != want.ip {
			t.Errorf("call %d: admin %v from %s, want admin %v from %s", i, info.Admin, info.RemoteIP, want.admin, want.ip)
		}
	}
}
