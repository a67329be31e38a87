package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/argusrtc/argus/internal/testkit"
)

// fakeAPI stands for the history sink's API: it answers what a guard must
// never let through without the secret.
var fakeAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"token":"t0ps3cret","path":"`+r.URL.Path+`"}`)
})

// get GETs url, with the Host and Authorization headers when not "", and
// returns the status, the headers and the body.
func get(t *testing.T, url, host, auth string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return testkit.Do(t, req)
}

func TestConsoleServesWholePage(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(ConsolePrefix, Console(fakeAPI, ConsoleOptions{Secret: "s"}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct{ path, contentType, contains string }{
		{"/console/", "text/html", `href="style.css"`},
		{"/console/style.css", "text/css", "--accent"},
		{"/console/console.css", "text/css", ""},
		{"/console/console.js", "javascript", "Authorization"},
		{"/console/favicon.svg", "image/svg+xml", "<svg"},
	}
	for _, tt := range tests {
		status, h, body := get(t, srv.URL+tt.path, "", "")
		if status != http.StatusOK || !strings.Contains(h.Get("Content-Type"), tt.contentType) || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: %d %q, want 200 %s containing %q", tt.path, status, h.Get("Content-Type"), tt.contentType, tt.contains)
		}
	}
	// Every file the page links is served.
	_, _, page := get(t, srv.URL+"/console/", "", "")
	for _, ref := range []string{`href="style.css"`, `href="console.css"`, `src="console.js"`, `href="favicon.svg"`} {
		if !strings.Contains(page, ref) {
			t.Errorf("console page lacks %s", ref)
		}
	}
	if strings.Contains(page, `href="../`) || strings.Contains(page, `href="/"`) {
		t.Error("console page links outside /console/, which the Admin listener does not serve")
	}
}

func TestConsoleGuard(t *testing.T) {
	const secret = "not-the-sample"
	guarded := httptest.NewServer(Console(fakeAPI, ConsoleOptions{Secret: secret}))
	defer guarded.Close()
	open := httptest.NewServer(Console(fakeAPI, ConsoleOptions{Secret: "janusoverlord", Open: true}))
	defer open.Close()
	tests := []struct {
		name       string
		url, host  string
		auth       string
		wantStatus int
	}{
		{"no secret", guarded.URL + "/console/api/sessions", "", "", http.StatusUnauthorized},
		{"wrong secret", guarded.URL + "/console/api/sessions", "", "Bearer nope", http.StatusUnauthorized},
		{"secret not as bearer", guarded.URL + "/console/api/sessions", "", secret, http.StatusUnauthorized},
		{"basic auth", guarded.URL + "/console/api/tail", "", "Basic " + secret, http.StatusUnauthorized},
		{"prefix of the secret", guarded.URL + "/console/api/global", "", "Bearer not-the", http.StatusUnauthorized},
		{"right secret", guarded.URL + "/console/api/sessions", "", "Bearer " + secret, http.StatusOK},
		{"right secret, tail", guarded.URL + "/console/api/tail", "", "Bearer " + secret, http.StatusOK},
		{"open, loopback host", open.URL + "/console/api/sessions", "", "", http.StatusOK},
		{"open, localhost", open.URL + "/console/api/sessions", "localhost:7088", "", http.StatusOK},
		{"open, ipv6 loopback", open.URL + "/console/api/sessions", "[::1]:7088", "", http.StatusOK},
		{"open, rebound name", open.URL + "/console/api/sessions", "evil.example:7088", "", http.StatusForbidden},
		{"open, public ip", open.URL + "/console/api/sessions", "192.0.2.1", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := get(t, tt.url, tt.host, tt.auth)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", status, tt.wantStatus, body)
			}
			leaked := strings.Contains(body, "t0ps3cret")
			if (status == http.StatusOK) != leaked {
				t.Fatalf("status %d but body %q", status, body)
			}
			if status == http.StatusUnauthorized {
				if !strings.Contains(h.Get("WWW-Authenticate"), "Bearer") || !strings.Contains(body, `"error_code":403`) {
					t.Fatalf("401 without a Bearer challenge or Janus error: %v %s", h, body)
				}
			}
		})
	}
}

func TestConsoleEmptySecretNeverMatches(t *testing.T) {
	srv := httptest.NewServer(Console(fakeAPI, ConsoleOptions{}))
	defer srv.Close()
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if status, _, _ := get(t, srv.URL+"/console/api/sessions", "", auth); status != http.StatusUnauthorized {
			t.Errorf("auth %q: status %d, want 401", auth, status)
		}
	}
}
