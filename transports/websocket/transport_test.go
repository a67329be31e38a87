package websocket

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/telemetry"
)

func TestSubprotocolNegotiation(t *testing.T) {
	tests := []struct {
		name   string
		admin  bool
		offer  []string
		want   string
		status int // 0 = accepted
	}{
		{name: "janus", offer: []string{ProtocolJanus}, want: ProtocolJanus},
		{name: "janus among others", offer: []string{"chat", ProtocolJanus}, want: ProtocolJanus},
		{name: "none offered", offer: nil, want: ""},
		{name: "foreign only", offer: []string{"chat"}, status: 400},
		{name: "admin", admin: true, offer: []string{ProtocolAdmin}, want: ProtocolAdmin},
		{name: "janus on admin", admin: true, offer: []string{ProtocolJanus}, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Admin = tc.admin })
			c, resp, err := e.dial(t, nil, tc.offer...)
			if tc.status != 0 {
				if err == nil || resp == nil || resp.StatusCode != tc.status {
					t.Fatalf("err %v resp %v, want status %d", err, resp, tc.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Subprotocol(); got != tc.want {
				t.Fatalf("subprotocol %q want %q", got, tc.want)
			}
			send(t, c, `{"janus":"ping","transaction":"p"}`)
			if m := recv(t, c); m["janus"] != "pong" {
				t.Fatalf("%v", m)
			}
			calls := e.gw.Calls()
			if len(calls) != 1 || calls[0].Admin != tc.admin || calls[0].Info.Admin != tc.admin {
				t.Fatalf("calls %+v", calls)
			}
		})
	}
}

func TestConcatenatedObjectsInOrder(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t, ProtocolJanus)
	send(t, c, `{"janus":"ping","transaction":"a"}{"janus":"ping","transaction":"b"}
	  {"janus":"info","transaction":"c"}`)
	for _, want := range []string{"a", "b", "c"} {
		if m := recv(t, c); m["transaction"] != want {
			t.Fatalf("got %v, want transaction %s", m, want)
		}
	}
}

func TestBadJSONGivesOne454(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t, ProtocolJanus)
	send(t, c, `{"janus":"ping","transaction":"a"} {"janus": nope} {"janus":"ping","transaction":"z"}`)
	if m := recv(t, c); m["janus"] != "pong" || m["transaction"] != "a" {
		t.Fatalf("first: %v", m)
	}
	m := recv(t, c)
	eo, _ := m["error"].(map[string]any)
	if m["janus"] != "error" || eo["code"] != 454.0 || !strings.HasPrefix(fmt.Sprint(eo["reason"]), "JSON error: on line 1: ") {
		t.Fatalf("second: %v", m)
	}
	// The connection still works and nothing after the bad value ran.
	send(t, c, `{"janus":"ping","transaction":"next"}`)
	if m := recv(t, c); m["transaction"] != "next" {
		t.Fatalf("third: %v", m)
	}
	if n := len(e.gw.Calls()); n != 2 {
		t.Fatalf("%d gateway calls", n)
	}
}

func TestEventsGoToTheSourceSocket(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.mustDial(t, ProtocolJanus), e.mustDial(t, ProtocolJanus)
	sa, sb := create(t, a), create(t, b)
	e.gw.Push(sa, `{"janus":"event","to":"a"}`)
	e.gw.Push(sb, `{"janus":"event","to":"b"}`)
	if m := recv(t, b); m["to"] != "b" {
		t.Fatalf("b got %v", m)
	}
	if m := recv(t, a); m["to"] != "a" {
		t.Fatalf("a got %v", m)
	}
}

func TestTransportGoneAndEventsOnClientClose(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t, ProtocolJanus)
	create(t, c)
	if err := c.Close(cws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	gone := e.gone(t)
	if gone.Info() != e.gw.Calls()[0].Info {
		t.Fatalf("gone %+v, want the requests' client", gone.Info())
	}
	info := gone.Info()
	if info.Package != Package || info.ConnID == 0 || info.RemoteIP != "127.0.0.1" || info.LocalPort == 0 {
		t.Fatalf("info %+v", info)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(e.em.Events()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	evs := e.em.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	for i, want := range []string{
		`"event":{"transport":"janus.transport.websockets","id":"` + fmt.Sprint(info.ConnID) + `","data":{"event":"connected","admin_api":false,"ip":"127.0.0.1"}}`,
		`"event":{"transport":"janus.transport.websockets","id":"` + fmt.Sprint(info.ConnID) + `","data":{"event":"disconnected"}}`,
	} {
		b, err := evs[i].MarshalJSON()
		if err != nil || evs[i].Type != telemetry.TypeTransport || !strings.Contains(string(b), want) {
			t.Fatalf("event %d: %s %v", i, b, err)
		}
	}
}

func TestCloseEndsConnections(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t, ProtocolJanus)
	create(t, c)
	e.tr.Close()
	e.gone(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read after Close: %v", err)
	}
	_, resp, err := e.dial(t, nil, ProtocolJanus)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: %v %v", err, resp)
	}
}

func TestMessageDoesNotBlockOtherRequests(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t, ProtocolJanus)
	s := create(t, c)
	release := e.gw.BlockMessages()
	defer release()
	send(t, c, fmt.Sprintf(`{"janus":"message","transaction":"m","session_id":%d,"handle_id":1,"body":{}}`, s))
	send(t, c, `{"janus":"ping","transaction":"p"}`)
	if m := recv(t, c); m["transaction"] != "p" {
		t.Fatalf("want pong first, got %v", m)
	}
	release()
	if m := recv(t, c); m["transaction"] != "m" || m["janus"] != "ack" {
		t.Fatalf("want ack, got %v", m)
	}
}

func TestReadLimitClosesConnection(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxMessage = 1024 })
	c := e.mustDial(t, ProtocolJanus)
	send(t, c, `{"janus":"ping","transaction":"`+strings.Repeat("x", 2048)+`"}`)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, _, err := c.Read(ctx)
	if cws.CloseStatus(err) != cws.StatusMessageTooBig {
		t.Fatalf("read: %v", err)
	}
	e.gone(t)
	if n := len(e.gw.Calls()); n != 0 {
		t.Fatalf("%d gateway calls", n)
	}
}

func TestEnforceCORS(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowOrigin = "https://good.example"; c.EnforceCORS = true })
	_, resp, err := e.dial(t, http.Header{"Origin": {"https://evil.example"}}, ProtocolJanus)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bad origin: %v %v", err, resp)
	}
	if _, _, err := e.dial(t, http.Header{"Origin": {"https://good.example"}}, ProtocolJanus); err != nil {
		t.Fatalf("good origin: %v", err)
	}
}

func TestCrossOriginAllowedByDefault(t *testing.T) {
	e := newEnv(t, nil)
	if _, _, err := e.dial(t, http.Header{"Origin": {"http://localhost:8088"}}, ProtocolJanus); err != nil {
		t.Fatalf("demo page origin: %v", err)
	}
}
