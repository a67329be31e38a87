package web

import (
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
			status, hdr, body := get(t, srv.URL+tt.path, "", "")
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if ct := hdr.Get("Content-Type"); !strings.Contains(ct, tt.contentType) {
				t.Fatalf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if !strings.Contains(body, tt.contains) {
				t.Fatalf("body lacks %q", tt.contains)
			}
		})
	}
}

func TestHandlerNotFound(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	if status, _, _ := get(t, srv.URL+"/nope.html", "", ""); status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", status)
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
		if status, _, _ := get(t, tt.url, "", ""); status != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.url, status, tt.want)
		}
	}
}
