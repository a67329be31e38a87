package http

import (
	"fmt"
	"strings"
	"testing"
)

// TestAdminRefusesCrossOrigin checks the Admin API's browser guards: no
// wildcard CORS, foreign origins refused, form-like bodies refused before
// the gateway sees them.
func TestAdminRefusesCrossOrigin(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AdminAllowOrigin = "https://ops.example" })
	ping := `{"janus":"ping","transaction":"p"}`
	tests := []struct {
		name    string
		method  string
		hdr     map[string]string
		status  int
		code    int    // Janus error code in the body, 0 = none
		acao    string // expected Access-Control-Allow-Origin
		reaches bool   // the gateway saw the request
	}{
		{"curl json", "POST", map[string]string{"Content-Type": "application/json"}, 200, 0, "", true},
		{"no content type, no origin", "POST", nil, 200, 0, "", true},
		{"same origin", "POST", map[string]string{"Origin": "http://{HOST}", "Content-Type": "application/json; charset=utf-8"}, 200, 0, "", true},
		{"allowed origin", "POST", map[string]string{"Origin": "https://ops.example", "Content-Type": "application/json"}, 200, 0, "https://ops.example", true},
		{"foreign origin", "POST", map[string]string{"Origin": "https://evil.example", "Content-Type": "application/json"}, 403, 0, "", false},
		{"foreign origin preflight", "OPTIONS", map[string]string{"Origin": "https://evil.example"}, 403, 0, "", false},
		{"text/plain", "POST", map[string]string{"Content-Type": "text/plain"}, 200, 450, "", false},
		{"form", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 200, 450, "", false},
		{"same origin without type", "POST", map[string]string{"Origin": "http://{HOST}"}, 200, 450, "", false},
	}
	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			for k, v := range tt.hdr {
				hdr[k] = strings.ReplaceAll(v, "{HOST}", host)
			}
			before := len(e.gw.Calls())
			r := e.do(t, tt.method, "/admin", ping, hdr)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if tt.code != 0 {
				if code, _ := errCode(t, r.body); code != tt.code {
					t.Fatalf("code %d, want %d: %s", code, tt.code, r.body)
				}
			}
			if reached := len(e.gw.Calls()) > before; reached != tt.reaches {
				t.Fatalf("gateway reached %v, want %v", reached, tt.reaches)
			}
		})
	}
}

// TestHandlePathGetNeedsAuth: GET /janus/<s>/<h> counts as a keepalive, so
// without the api secret it must be refused before touching the session.
func TestHandlePathGetNeedsAuth(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(t)
	e.gw.Secret = "s3cret"
	before := e.gw.Touches()
	if r := e.do(t, "GET", fmt.Sprintf("/janus/%d/7", s), "", nil); r.status != 403 {
		t.Fatalf("unauthenticated handle GET: %d", r.status)
	}
	if e.gw.Touches() != before {
		t.Fatal("the session was refreshed without credentials")
	}
	if r := e.do(t, "GET", fmt.Sprintf("/janus/%d/7?apisecret=s3cret", s), "", nil); r.status != 302 || e.gw.Touches() != before+1 {
		t.Fatalf("authenticated handle GET: %d, touches %d", r.status, e.gw.Touches()-before)
	}
}
