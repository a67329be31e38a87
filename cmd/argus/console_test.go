package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getAuth is get with an Authorization header (none when auth is "").
func getAuth(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	code, _, body := getWith(t, url, func(r *http.Request) {
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
	})
	return code, body
}

// createSession makes a session with a handle whose events carry a token
// and an opaque id, the kind of thing the console must not reveal.
func createSession(t *testing.T, httpURL string) uint64 {
	t.Helper()
	res := post(t, httpURL+"/janus", `{"janus":"create","transaction":"c"}`)
	data, _ := res["data"].(map[string]any)
	id, _ := data["id"].(float64)
	if id == 0 {
		t.Fatalf("create: %v", res)
	}
	att := post(t, fmt.Sprintf("%s/janus/%d", httpURL, uint64(id)), `{"janus":"attach","plugin":"janus.plugin.echotest","opaque_id":"console-secret-opaque","transaction":"a"}`)
	if att["janus"] != "success" {
		t.Fatalf("attach: %v", att)
	}
	return uint64(id)
}

// TestConsoleGuardedWithSecret: with an admin secret of its own the console
// API answers nothing without it, and everything with it.
func TestConsoleGuardedWithSecret(t *testing.T) {
	const secret = "console-test-secret"
	a := startTestServer(t, "-admin-secret", secret)
	sid := createSession(t, a["http"])
	paths := []string{"/console/api/sessions", fmt.Sprintf("/console/api/sessions/%d", sid), "/console/api/global",
		"/console/api/rooms", "/console/api/config", "/console/api/tail"}
	var seen bool
	deadline := time.Now().Add(10 * time.Second)
	for !seen && time.Now().Before(deadline) { // the history sink files events within its batch timeout
		_, body := getAuth(t, a["admin"]+paths[0], "Bearer "+secret)
		seen = strings.Contains(body, "console-secret-opaque")
		time.Sleep(50 * time.Millisecond)
	}
	if !seen {
		t.Fatal("the session never reached the console API")
	}
	for _, p := range paths {
		for _, auth := range []string{"", "Bearer wrong", "Bearer janusoverlord", secret} {
			status, body := getAuth(t, a["admin"]+p, auth)
			if status != http.StatusUnauthorized || strings.Contains(body, "console-secret-opaque") || strings.Contains(body, fmt.Sprint(sid)) {
				t.Errorf("GET %s with %q: %d %.120q, want 401 revealing nothing", p, auth, status, body)
			}
		}
		status, body := getAuth(t, a["admin"]+p, "Bearer "+secret)
		if status != http.StatusOK {
			t.Errorf("GET %s with the secret: %d %.120q", p, status, body)
		}
	}
	if _, body := getAuth(t, a["admin"]+fmt.Sprintf("/console/api/sessions/%d", sid), "Bearer "+secret); !strings.Contains(body, "console-secret-opaque") {
		t.Errorf("timeline with the secret lacks the session's events: %.200q", body)
	}
	// The page itself holds no data and loads without the secret.
	for _, p := range []string{"/console/", "/console/console.js", "/console/style.css", "/console/favicon.svg"} {
		if status, _ := getAuth(t, a["admin"]+p, ""); status != http.StatusOK {
			t.Errorf("GET %s: %d", p, status)
		}
	}
}

// TestConsoleOpenOnLoopbackWithSampleSecret: the default set-up (loopback,
// the sample secret everybody knows) needs no secret, but only for a
// loopback Host.
func TestConsoleOpenOnLoopbackWithSampleSecret(t *testing.T) {
	a := startTestServer(t)
	if status, body := getAuth(t, a["admin"]+"/console/api/sessions", ""); status != http.StatusOK || !strings.Contains(body, `"sessions"`) {
		t.Fatalf("open console: %d %q", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, a["admin"]+"/console/api/sessions", nil)
	req.Host = "rebound.example:7088"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("non-loopback Host: %d, want 403", res.StatusCode)
	}
}
