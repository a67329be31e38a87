package http

import (
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

func TestPostPathsInjectIDs(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		path string
		want core.PathIDs
	}{
		{"/janus", core.PathIDs{}},
		{"/janus/", core.PathIDs{}},
		{"/janus/42", core.PathIDs{Session: 42}},
		{"/janus/42/7", core.PathIDs{Session: 42, Handle: 7}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := e.do(t, "POST", tc.path, `{"janus":"keepalive","transaction":"x"}`, nil)
			if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d type %q", r.status, r.header.Get("Content-Type"))
			}
			m := decode(t, r.body)
			if m["janus"] != "success" || m["transaction"] != "x" {
				t.Fatalf("body %s", r.body)
			}
			calls := e.gw.Calls()
			last := calls[len(calls)-1]
			if last.Path != tc.want || last.Admin {
				t.Fatalf("path ids %+v admin %v, want %+v", last.Path, last.Admin, tc.want)
			}
			if last.Info.Package != Package || last.Info.ConnID == 0 || last.Info.RemoteIP != "127.0.0.1" ||
				last.Info.RemotePort == 0 || last.Info.LocalIP != "127.0.0.1" || last.Info.LocalPort == 0 {
				t.Fatalf("transport info %+v", last.Info)
			}
		})
	}
}

func TestStatusRules(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name, method, path, body string
		status                   int
		emptyBody                bool
		code                     int
		reason                   string
	}{
		{name: "post info", method: "POST", path: "/janus/info", body: `{}`, status: 400, emptyBody: true},
		{name: "get root", method: "GET", path: "/janus", status: 404},
		{name: "deeper", method: "GET", path: "/janus/1/2/3", status: 404},
		{name: "deeper post", method: "POST", path: "/janus/1/2/3", body: `{}`, status: 404},
		{name: "non numeric", method: "POST", path: "/janus/abc", body: `{}`, status: 404},
		{name: "zero session", method: "GET", path: "/janus/0", status: 404},
		{name: "put", method: "PUT", path: "/janus", body: `{}`, status: 200, code: 450, reason: "Unsupported method PUT"},
		{name: "delete", method: "DELETE", path: "/janus/1", status: 200, code: 450, reason: "Unsupported method DELETE"},
		{name: "bad json", method: "POST", path: "/janus", body: "{\n\"janus\":", status: 200, code: 454},
		{name: "empty body", method: "POST", path: "/janus", status: 200, code: 454, reason: "Request payload missing"},
		{name: "too large", method: "POST", path: "/janus", body: `{"x":"` + strings.Repeat("a", DefaultMaxBody) + `"}`, status: 200, code: 454, reason: "Request payload too large"},
		{name: "admin post info", method: "POST", path: "/admin/info", body: `{}`, status: 200, code: 450, reason: "Use GET for the info endpoint"},
		{name: "admin long poll", method: "GET", path: "/admin/5", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.method, tc.path, tc.body, nil)
			if r.status != tc.status {
				t.Fatalf("status %d want %d (%s)", r.status, tc.status, r.body)
			}
			if tc.emptyBody && r.body != "" {
				t.Fatalf("body %q, want empty", r.body)
			}
			if tc.code != 0 {
				code, reason := errCode(t, r.body)
				if code != tc.code || (tc.reason != "" && reason != tc.reason) {
					t.Fatalf("error %d %q, want %d %q", code, reason, tc.code, tc.reason)
				}
			}
		})
	}
}

func TestJSONErrorReasonNamesLine(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(t, "POST", "/janus", "{\n\"janus\": nope}", nil)
	_, reason := errCode(t, r.body)
	if !strings.HasPrefix(reason, "JSON error: on line 2: ") {
		t.Fatalf("reason %q", reason)
	}
}

func TestGetInfo(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"/janus/info", "/admin/info"} {
		r := e.do(t, "GET", p, "", nil)
		if m := decode(t, r.body); r.status != 200 || m["janus"] != "server_info" {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
		calls := e.gw.Calls()
		last := calls[len(calls)-1]
		if last.Admin != strings.HasPrefix(p, "/admin") || !strings.Contains(last.Raw, `"janus":"info"`) {
			t.Fatalf("%s: call %+v", p, last)
		}
		if tx, _ := decode(t, last.Raw)["transaction"].(string); len(tx) != 12 {
			t.Fatalf("synthesized transaction %q", tx)
		}
	}
}

func TestAdminPostGoesToAdmin(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(t, "POST", "/admin/9/8", `{"janus":"handle_info","transaction":"a"}`, nil)
	if decode(t, r.body)["janus"] != "success" {
		t.Fatal(r.body)
	}
	calls := e.gw.Calls()
	last := calls[len(calls)-1]
	if !last.Admin || !last.Info.Admin || last.Path != (core.PathIDs{Session: 9, Handle: 8}) {
		t.Fatalf("call %+v", last)
	}
}

func TestAdminDisabled(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Admin = false })
	if r := e.do(t, "GET", "/admin/info", "", nil); r.status != 404 {
		t.Fatalf("status %d", r.status)
	}
}

func TestOptionsCORS(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(t, "OPTIONS", "/janus/123", "", map[string]string{
		"Origin":                         "http://example.org",
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "content-type",
	})
	want := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Max-Age":       "86400",
		"Access-Control-Allow-Methods": "POST",
		"Access-Control-Allow-Headers": "content-type",
	}
	if r.status != 200 || r.body != "" {
		t.Fatalf("status %d body %q", r.status, r.body)
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := r.header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("credentials %q without allow_origin", got)
	}
}

func TestEnforceCORS(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowOrigin = "https://good.example"; c.EnforceCORS = true })
	bad := e.do(t, "POST", "/janus", `{"janus":"ping","transaction":"p"}`, map[string]string{"Origin": "https://evil.example"})
	if bad.status != 403 {
		t.Fatalf("bad origin status %d", bad.status)
	}
	good := e.do(t, "POST", "/janus", `{"janus":"ping","transaction":"p"}`, map[string]string{"Origin": "https://good.example"})
	if good.status != 200 || decode(t, good.body)["janus"] != "pong" {
		t.Fatalf("good origin %d %s", good.status, good.body)
	}
	if good.header.Get("Access-Control-Allow-Origin") != "https://good.example" ||
		good.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("headers %v", good.header)
	}
}

func TestRequestTransportEvent(t *testing.T) {
	e := newEnv(t, nil)
	e.do(t, "POST", "/admin", `{"janus":"ping","transaction":"p"}`, nil)
	evs := e.em.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	body, ok := ev.Body.(telemetry.TransportBody)
	if ev.Type != telemetry.TypeTransport || ev.Emitter != "test" || !ok || body.Transport != Package {
		t.Fatalf("event %+v", ev)
	}
	last := e.gw.Calls()[0]
	if body.ID != fmt.Sprint(last.Info.ConnID) {
		t.Fatalf("id %q, conn %d", body.ID, last.Info.ConnID)
	}
	data, ok := body.Data.(telemetry.TransportData)
	if !ok || data.AdminAPI == nil || !*data.AdminAPI || data.Event != "request" || data.IP != "127.0.0.1" || data.Port != last.Info.RemotePort {
		t.Fatalf("data %+v", body.Data)
	}
	b, err := ev.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"data":{"event":"request","admin_api":true,"ip":"127.0.0.1","port":`) {
		t.Fatalf("json %s %v", b, err)
	}
}

func TestClosedTransportRefuses(t *testing.T) {
	e := newEnv(t, nil)
	e.tr.Close()
	if r := e.do(t, "POST", "/janus", `{}`, nil); r.status != nethttp.StatusServiceUnavailable {
		t.Fatalf("status %d", r.status)
	}
}

func TestHandlerRejectsForeignPrefix(t *testing.T) {
	e := newEnv(t, nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(nethttp.MethodPost, "/janusx", strings.NewReader(`{}`))
	e.tr.JanusHandler().ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestPostContextHasDeadline(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond })
	s := e.create(t)
	release := e.gw.BlockMessages() // the fake waits for release or ctx end
	defer release()
	r := e.do(t, "POST", fmt.Sprintf("/janus/%d/1", s), `{"janus":"message","transaction":"m","body":{}}`, nil)
	if m := decode(t, r.body); m["janus"] != "ack" {
		t.Fatalf("body %s", r.body)
	}
}
