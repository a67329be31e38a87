package http

import (
	"testing"
	"time"
)

// TestGetPing: GET /janus/ping and /admin/ping answer as Janus 1.2 does, a
// pong with a synthesized 12-character transaction, without a secret;
// other methods get an empty 400.
func TestGetPing(t *testing.T) {
	e := newCoreEnv(t, time.Minute)
	for _, p := range []string{"/janus/ping", "/admin/ping", "/janus/ping/"} {
		r := e.do(t, "GET", p, "", nil)
		m := decode(t, r.body)
		if tx, _ := m["transaction"].(string); r.status != 200 || m["janus"] != "pong" || len(tx) != 12 {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
		r = e.do(t, "POST", p, `{"janus":"ping","transaction":"x"}`, nil)
		if r.status != 400 || r.body != "" {
			t.Fatalf("POST %s: %d %q", p, r.status, r.body)
		}
	}
}
