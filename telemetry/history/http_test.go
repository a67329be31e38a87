package history_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
)

func getJSON(t *testing.T, url string, wantStatus int) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, wantStatus)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHTTPAPI(t *testing.T) {
	s := history.New(history.Config{})
	export(t, s,
		mk(telemetry.TypeSession, 42, 0, "", map[string]any{"name": "created"}),
		mk(telemetry.TypeCore, 0, 0, "", map[string]any{"status": "started"}),
	)
	mux := http.NewServeMux()
	mux.Handle(history.APIPrefix, s.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	list := getJSON(t, srv.URL+"/console/api/sessions", 200)["sessions"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["session_id"] != float64(42) {
		t.Fatalf("sessions %v", list)
	}
	one := getJSON(t, srv.URL+"/console/api/sessions/42", 200)
	if evs := one["events"].([]any); len(evs) != 1 || evs[0].(map[string]any)["event"].(map[string]any)["name"] != "created" {
		t.Fatalf("timeline %v", one)
	}
	getJSON(t, srv.URL+"/console/api/sessions/43", 404)
	getJSON(t, srv.URL+"/console/api/sessions/abc", 400)
	if g := getJSON(t, srv.URL+"/console/api/global", 200)["events"].([]any); len(g) != 1 {
		t.Fatalf("global %v", g)
	}
}

func TestHTTPTail(t *testing.T) {
	s := history.New(history.Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/console/api/tail?session_id=7", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	rd := bufio.NewReader(resp.Body)
	// The greeting comment arrives once the subscription exists.
	if line, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		t.Fatalf("first line %q, %v", line, err)
	}
	export(t, s,
		mk(telemetry.TypeSession, 8, 0, "", map[string]any{"name": "created"}), // filtered out
		mk(telemetry.TypeSession, 7, 0, "", map[string]any{"name": "created"}),
	)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var e telemetry.Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatal(err)
		}
		if e.SessionID != 7 || e.Type != telemetry.TypeSession {
			t.Fatalf("tail sent %+v", e)
		}
		break
	}
	// Shutdown ends the stream.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := rd.ReadString('\n'); err != nil {
			break
		}
	}
}

func TestHTTPTailBadFilter(t *testing.T) {
	s := history.New(history.Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	getJSON(t, srv.URL+"/console/api/tail?session_id=x", 400)
}

func TestCloseTailsLetsServerShutdown(t *testing.T) {
	s := history.New(history.Config{})
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.RegisterOnShutdown(s.CloseTails)
	srv.Start()
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/console/api/tail", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("server Shutdown with an open tail: %v", err)
	}
	// The store itself still works.
	export(t, s, mk(telemetry.TypeSession, 1, 0, "", nil))
	if _, ok := s.Session(1); !ok {
		t.Fatal("store stopped")
	}
}
