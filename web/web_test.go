package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesPages(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", "echotest.html"},
		{"/echotest.html", "text/html", "echotest.js"},
		{"/echotest.js", "javascript", "janus.plugin.echotest"},
		{"/janusclient.js", "javascript", "janus-protocol"},
		{"/demo.js", "javascript", "janusServer"},
		{"/", "text/html", "videoroom.html"},
		{"/style.css", "text/css", "video"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, tt.contentType) {
				t.Fatalf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Fatalf("body lacks %q", tt.contains)
			}
		})
	}
}

func TestHandlerNotFound(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/nope.html")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", res.StatusCode)
	}
}

func TestConsoleOnlyOnConsoleHandler(t *testing.T) {
	pages := httptest.NewServer(Handler())
	defer pages.Close()
	mux := http.NewServeMux()
	mux.Handle(ConsolePrefix, ConsoleHandler())
	admin := httptest.NewServer(mux)
	defer admin.Close()
	tests := []struct {
		url  string
		want int
	}{
		{pages.URL + "/console/", http.StatusNotFound},
		{pages.URL + "/console/console.js", http.StatusNotFound},
		{admin.URL + "/console/", http.StatusOK},
		{admin.URL + "/console/console.js", http.StatusOK},
		{admin.URL + "/echotest.html", http.StatusNotFound},
	}
	for _, tt := range tests {
		res, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.url, res.StatusCode, tt.want)
		}
	}
}
