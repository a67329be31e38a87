package http

import (
	"encoding/json"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

// env is one test server: a fake gateway behind the transport's handlers.
type env struct {
	gw  *fakegw.Gateway
	tr  *Transport
	srv *httptest.Server
	em  *telemetrytest.Emitter
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	e := &env{gw: fakegw.New(), em: telemetrytest.NewEmitter()}
	cfg := Config{Gateway: e.gw, Emitter: e.em, ServerName: "test", Admin: true, LongPollTimeout: 200 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	e.tr = New(cfg)
	mux := nethttp.NewServeMux()
	mux.Handle("/janus", e.tr.JanusHandler())
	mux.Handle("/janus/", e.tr.JanusHandler())
	mux.Handle("/admin", e.tr.AdminHandler())
	mux.Handle("/admin/", e.tr.AdminHandler())
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.tr.Close()
		e.srv.Close()
	})
	return e
}

// result is a finished HTTP exchange.
type result struct {
	status int
	header nethttp.Header
	body   string
}

func (e *env) do(t *testing.T, method, path, body string, hdr map[string]string) result {
	t.Helper()
	req, err := nethttp.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	cl := &nethttp.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse },
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// create makes a session over POST /janus and returns its id.
func (e *env) create(t *testing.T) core.SessionID {
	t.Helper()
	r := e.do(t, "POST", "/janus", `{"janus":"create","transaction":"c"}`, nil)
	var out struct {
		Data struct {
			ID core.SessionID `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Data.ID == 0 {
		t.Fatalf("create: %d %q %v", r.status, r.body, err)
	}
	return out.Data.ID
}

// decode parses a JSON object body.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %q: %v", s, err)
	}
	return m
}

// errCode returns error.code and error.reason of a Janus error body.
func errCode(t *testing.T, s string) (int, string) {
	t.Helper()
	m := decode(t, s)
	if m["janus"] != "error" {
		t.Fatalf("not an error: %s", s)
	}
	eo, _ := m["error"].(map[string]any)
	code, _ := eo["code"].(float64)
	reason, _ := eo["reason"].(string)
	return int(code), reason
}
