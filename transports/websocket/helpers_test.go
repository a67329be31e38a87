package websocket

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/transports/internal/fakegw"
)

type env struct {
	gw  *fakegw.Gateway
	tr  *Transport
	srv *httptest.Server
	em  *telemetrytest.Emitter
	url string
}

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	e := &env{gw: fakegw.New(), em: telemetrytest.NewEmitter()}
	cfg := Config{Gateway: e.gw, Emitter: e.em, ServerName: "test"}
	if mod != nil {
		mod(&cfg)
	}
	e.tr = New(cfg)
	e.srv = httptest.NewServer(e.tr.Handler())
	e.url = "ws" + strings.TrimPrefix(e.srv.URL, "http")
	t.Cleanup(func() {
		e.tr.Close()
		e.srv.Close()
	})
	return e
}

// dial connects offering protos; the connection is closed at cleanup.
func (e *env) dial(t *testing.T, hdr http.Header, protos ...string) (*cws.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, resp, err := cws.Dial(ctx, e.url, &cws.DialOptions{Subprotocols: protos, HTTPHeader: hdr})
	if err == nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

func (e *env) mustDial(t *testing.T, protos ...string) *cws.Conn {
	t.Helper()
	c, _, err := e.dial(t, nil, protos...)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

func send(t *testing.T, c *cws.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, cws.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// recv reads one message as a JSON object within 5 s.
func recv(t *testing.T, c *cws.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %q", b)
	}
	return m
}

// create makes a session on c and returns its id.
func create(t *testing.T, c *cws.Conn) core.SessionID {
	t.Helper()
	send(t, c, `{"janus":"create","transaction":"c"}`)
	m := recv(t, c)
	data, _ := m["data"].(map[string]any)
	id, _ := data["id"].(float64)
	if m["janus"] != "success" || id == 0 {
		t.Fatalf("create: %v", m)
	}
	return core.SessionID(id)
}

// gone waits for the gateway's TransportGone.
func (e *env) gone(t *testing.T) core.Client {
	t.Helper()
	select {
	case c := <-e.gw.Gone():
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no TransportGone")
		return nil
	}
}
