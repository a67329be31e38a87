package websocket

import (
	"net/http"
	"testing"

	"github.com/argusrtc/argus/internal/clientaddr"
)

// TestTrustedProxyClientAddress: a WebSocket opened through a trusted
// proxy (127.0.0.1 here) carries, for every request, the client address
// the handshake's X-Forwarded-For named; untrusted, or when the proxy is
// said to set X-Real-IP instead, the header is ignored.
func TestTrustedProxyClientAddress(t *testing.T) {
	loopback, err := clientaddr.ParseProxies("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
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
