package core_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/telemetry"
)

func TestInfoPingCreate(t *testing.T) {
	e := newEnv(t, nil)
	m := e.req(e.c, core.PathIDs{}, `{"janus":"INFO","transaction":"i1"}`)
	if m["janus"] != "server_info" || m["transaction"] != "i1" || m["name"] != "Argus" ||
		m["version_string"] != "1.1.2" || fmt.Sprint(m["version"]) != "1102" || m["argus_version"] != core.VersionString {
		t.Fatalf("info: %v", m)
	}
	plugins := m["plugins"].(map[string]any)
	if _, ok := plugins[pluginA]; !ok || len(plugins) != 3 {
		t.Fatalf("plugins: %v", plugins)
	}
	for _, k := range []string{"session-timeout", "reclaim-session-timeout", "candidates-timeout", "server-name",
		"api_secret", "auth_token", "transports", "events", "loggers", "accepting-new-sessions", "ice-nomination"} {
		if _, ok := m[k]; !ok {
			t.Errorf("server_info lacks %q", k)
		}
	}
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"ping","transaction":"p"}`); m["janus"] != "pong" || m["transaction"] != "p" {
		t.Fatalf("ping: %v", m)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c","id":4242}`)
	if m["janus"] != "success" || num(t, m["data"].(map[string]any)["id"]) != 4242 {
		t.Fatalf("create with id: %v", m)
	}
	if _, has := m["session_id"]; has {
		t.Fatalf("create reply must not carry session_id: %v", m)
	}
	ev := e.rec.find(telemetry.TypeSession, `"name":"created"`, `"session_id":4242`, `"transport":{"transport":"janus.transport.test","id":"7"}`)
	if len(ev) != 1 || ev[0]["emitter"] != "Argus" {
		t.Fatalf("created event: %v", ev)
	}
	if len(e.rec.find(telemetry.TypeCore, `"status":"started"`, `"janus":"server_info"`)) != 1 {
		t.Fatalf("no startup event")
	}
}

func TestKeepaliveClaimDestroy(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(e.c)
	m := e.req(e.c, core.PathIDs{}, `{"janus":"keepalive","transaction":"k","session_id":%d}`, s)
	if m["janus"] != "ack" || num(t, m["session_id"]) != s || m["transaction"] != "k" {
		t.Fatalf("keepalive: %v", m)
	}
	other := coretest.NewClient("janus.transport.test", 8)
	m = e.req(other, core.PathIDs{Session: core.SessionID(s)}, `{"janus":"claim","transaction":"cl"}`)
	if m["janus"] != "success" || num(t, m["session_id"]) != s {
		t.Fatalf("claim: %v", m)
	}
	o, err := e.c.WaitOver(core.SessionID(s), wait)
	if err != nil || !o.Claimed || o.TimedOut {
		t.Fatalf("old client SessionOver: %+v %v", o, err)
	}
	// Events now go to the new client.
	h := e.attach(s, pluginA)
	e.req(other, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h)
	if p, err := other.WaitJanus("detached", wait); err != nil || num(t, p.JSON["sender"]) != h {
		t.Fatalf("detached push to the claiming client: %v %v", p.JSON, err)
	}
	m = e.req(other, core.PathIDs{}, `{"janus":"destroy","transaction":"x","session_id":%d}`, s)
	if m["janus"] != "success" {
		t.Fatalf("destroy: %v", m)
	}
	if o, err := other.WaitOver(core.SessionID(s), wait); err != nil || o.TimedOut || o.Claimed {
		t.Fatalf("SessionOver on destroy: %+v %v", o, err)
	}
	if code, _ := errOf(t, e.req(other, core.PathIDs{}, `{"janus":"keepalive","transaction":"k","session_id":%d}`, s)); code != 458 {
		t.Fatalf("session still alive after destroy")
	}
	if len(e.rec.find(telemetry.TypeSession, `"name":"destroyed"`)) != 1 {
		t.Fatalf("no destroyed event")
	}
	if e.g.Touch(core.SessionID(s)) {
		t.Fatalf("Touch on a destroyed session")
	}
}

func TestSessionTimeout(t *testing.T) {
	e := newEnv(t, func(c *core.Config) {
		c.SessionTimeout = 300 * time.Millisecond
		c.WatchdogInterval = 20 * time.Millisecond
	})
	s := e.create(e.c)
	e.attach(s, pluginA)
	p, err := e.c.WaitJanus("timeout", wait)
	if err != nil || num(t, p.JSON["session_id"]) != s || len(p.JSON) != 2 {
		t.Fatalf("timeout push: %v %v", p.JSON, err)
	}
	if o, err := e.c.WaitOver(core.SessionID(s), wait); err != nil || !o.TimedOut {
		t.Fatalf("SessionOver(timeout): %+v %v", o, err)
	}
	if len(e.rec.find(telemetry.TypeSession, `"name":"timeout"`)) != 1 {
		t.Fatalf("no timeout event")
	}
	if len(e.rec.find(telemetry.TypeHandle, `"name":"detached"`)) != 1 {
		t.Fatalf("handle not detached on timeout")
	}
	if _, _, destroyed := e.a.Sessions()[0].Stats(); !destroyed {
		t.Fatalf("plugin session not destroyed")
	}
	if e.g.Counts().Sessions != 0 {
		t.Fatalf("counts: %+v", e.g.Counts())
	}
}

func TestTouchKeepsSessionAlive(t *testing.T) {
	e := newEnv(t, func(c *core.Config) {
		c.SessionTimeout = time.Second
		c.WatchdogInterval = 20 * time.Millisecond
	})
	s := e.create(e.c)
	keep := e.create(e.c)
	deadline := time.Now().Add(wait)
	for {
		if !e.g.Touch(core.SessionID(keep)) {
			t.Fatalf("touched session timed out")
		}
		if _, err := e.c.WaitOver(core.SessionID(s), 20*time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("untouched session never timed out")
		}
	}
	if !e.g.Touch(core.SessionID(keep)) {
		t.Fatalf("touched session is gone")
	}
}

func TestTransportGone(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(e.c)
	e.g.TransportGone(e.c)
	if e.g.Touch(core.SessionID(s)) {
		t.Fatalf("session survived its transport")
	}

	r := newEnv(t, func(c *core.Config) {
		c.ReclaimTimeout = time.Second
		c.WatchdogInterval = 20 * time.Millisecond
	})
	s1, s2 := r.create(r.c), r.create(r.c)
	r.g.TransportGone(r.c)
	nc := coretest.NewClient("janus.transport.test", 9)
	if m := r.req(nc, core.PathIDs{}, `{"janus":"claim","transaction":"c","session_id":%d}`, s1); m["janus"] != "success" {
		t.Fatalf("reclaim: %v", m)
	}
	if o, err := r.c.WaitOver(core.SessionID(s2), wait); err != nil || !o.TimedOut {
		t.Fatalf("unclaimed session should time out after the reclaim timeout: %+v %v", o, err)
	}
	if !r.g.Touch(core.SessionID(s1)) {
		t.Fatalf("claimed session lost")
	}
}

func TestAttachMessageDetach(t *testing.T) {
	e := newEnv(t, func(c *core.Config) { c.OpaqueIDInAPI = true })
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	if ev := e.rec.find(telemetry.TypeHandle, `"name":"attached"`, `"plugin":"`+pluginA+`"`, `"opaque_id":"op-1"`); len(ev) != 1 {
		t.Fatalf("attached event: %v", ev)
	}
	m := e.req(e.c, core.PathIDs{}, `{"janus":"MESSAGE","transaction":"m1","session_id":%d,"handle_id":%d,"body":{"request":"sync","n":1}}`, s, h)
	pd, _ := m["plugindata"].(map[string]any)
	if m["janus"] != "success" || num(t, m["sender"]) != h || m["opaque_id"] != "op-1" || pd["plugin"] != pluginA {
		t.Fatalf("sync message: %v", m)
	}
	if d := pd["data"].(map[string]any); d["result"] != "ok" {
		t.Fatalf("plugindata.data: %v", d)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"message","transaction":"m2","session_id":%d,"handle_id":%d,"body":{"request":"async"}}`, s, h)
	if m["janus"] != "ack" || m["hint"] != "fake hint" || m["transaction"] != "m2" {
		t.Fatalf("async ack: %v", m)
	}
	p, err := e.c.WaitJanus("event", wait)
	if err != nil || p.JSON["transaction"] != "m2" || num(t, p.JSON["sender"]) != h {
		t.Fatalf("async event: %v %v", p.JSON, err)
	}
	if pd := p.JSON["plugindata"].(map[string]any); pd["plugin"] != pluginA || pd["data"].(map[string]any)["result"] != "done" {
		t.Fatalf("event plugindata: %v", pd)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"message","transaction":"m3","session_id":%d,"handle_id":%d,"body":{"request":"emit"}}`, s, h)
	if m["janus"] != "success" {
		t.Fatalf("emit: %v", m)
	}
	if ev := e.rec.find(telemetry.TypePlugin, `"plugin":"`+pluginA+`"`, `"emitted":true`, `"opaque_id":"op-1"`); len(ev) != 1 {
		t.Fatalf("plugin event: %v", ev)
	}
	// Trickles before any PeerConnection are queued and acked.
	m = e.req(e.c, core.PathIDs{}, `{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidates":[{"sdpMid":"0","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"},null]}`, s, h)
	if m["janus"] != "ack" {
		t.Fatalf("trickle: %v", m)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"hg","session_id":%d,"handle_id":%d}`, s, h)
	if m["janus"] != "success" {
		t.Fatalf("hangup: %v", m)
	}
	c := e.g.Counts()
	if c.Sessions != 1 || c.Handles != 1 || c.PeerConnections != 0 {
		t.Fatalf("counts: %+v", c)
	}
	m = e.req(e.c, core.PathIDs{Session: core.SessionID(s), Handle: core.HandleID(h)}, `{"janus":"detach","transaction":"d"}`)
	if m["janus"] != "success" || num(t, m["session_id"]) != s {
		t.Fatalf("detach: %v", m)
	}
	if p, err := e.c.WaitJanus("detached", wait); err != nil || p.JSON["opaque_id"] != "op-1" {
		t.Fatalf("detached push: %v %v", p.JSON, err)
	}
	if _, _, destroyed := e.a.Sessions()[0].Stats(); !destroyed {
		t.Fatalf("plugin session not destroyed on detach")
	}
	if code, _ := errOf(t, e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"hg","session_id":%d,"handle_id":%d}`, s, h)); code != 459 {
		t.Fatalf("handle alive after detach")
	}
	if len(e.rec.find(telemetry.TypeHandle, `"name":"detached"`)) != 1 {
		t.Fatalf("no detached event")
	}
}

func TestEitherOrAuth(t *testing.T) {
	e := newEnv(t, func(c *core.Config) { c.APISecret = "s3cret"; c.TokenAuth = true })
	e.admin(`{"janus":"add_token","transaction":"t","token":"tok"}`)
	cases := []struct {
		secret, token string
		ok            bool
	}{
		{"s3cret", "", true}, {"", "tok", true}, {"wrong", "tok", true}, {"s3cret", "bad", true},
		{"", "", false}, {"wrong", "bad", false}, {"s3cre", "", false},
	}
	for _, tc := range cases {
		if got := e.g.CheckAuth(tc.secret, tc.token); got != tc.ok {
			t.Errorf("CheckAuth(%q,%q) = %v", tc.secret, tc.token, got)
		}
		m := e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c","apisecret":%q,"token":%q}`, tc.secret, tc.token)
		if (m["janus"] == "success") != tc.ok {
			t.Errorf("create with (%q,%q): %v", tc.secret, tc.token, m)
		}
	}
	// info and ping need no secret.
	if m := e.req(e.c, core.PathIDs{}, `{"janus":"info","transaction":"i"}`); m["janus"] != "server_info" || m["api_secret"] != true {
		t.Fatalf("info: %v", m)
	}
	open := newEnv(t, nil)
	if !open.g.CheckAuth("", "") {
		t.Fatalf("no auth configured must pass")
	}
}

func TestShutdownEvents(t *testing.T) {
	e := newEnv(t, func(c *core.Config) {
		c.StatusPeriod = 20 * time.Millisecond
		c.ServerName = "node-1"
	})
	s := e.create(e.c)
	e.attach(s, pluginA)
	deadline := time.Now().Add(wait)
	for len(e.rec.find(telemetry.TypeCore, `"status":"update"`, `"sessions":1`, `"handles":1`)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no status update event")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.g.SetShutdownSignal(15)
	if err := e.g.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	ev := e.rec.find(telemetry.TypeCore, `"status":"shutdown"`, `"signum":15`, `"emitter":"node-1"`)
	if len(ev) != 1 || num(t, ev[0]["subtype"]) != 2 {
		t.Fatalf("shutdown event: %v", ev)
	}
	if o, err := e.c.WaitOver(core.SessionID(s), wait); err != nil || o.TimedOut {
		t.Fatalf("session not ended by shutdown: %v", err)
	}
	m := e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c"}`)
	if code, reason := errOf(t, m); code != 472 || !strings.HasPrefix(reason, "Currently not accepting") {
		t.Fatalf("create after shutdown: %v", m)
	}
}

// TestInfoNATAndICELite: server_info reports nat_1_1_mapping's public
// addresses as Janus 1.1.2 does ("public-ip" the first, "public-ips" only
// when there are several; nothing about keep_private_host) and "ice-lite"
// as configured.
func TestInfoNATAndICELite(t *testing.T) {
	for _, tc := range []struct {
		name      string
		public    []string
		lite      bool
		wantIP    any // nil: absent
		wantIPs   []any
		wantIPsOK bool
	}{
		{name: "no mapping"},
		{name: "one address, lite", public: []string{"192.0.2.7"}, lite: true, wantIP: "192.0.2.7"},
		{name: "two addresses", public: []string{"192.0.2.7", "198.51.100.9"}, wantIP: "192.0.2.7",
			wantIPs: []any{"192.0.2.7", "198.51.100.9"}, wantIPsOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *core.Config) { c.PublicIPs, c.ICELite = tc.public, tc.lite })
			m := e.req(e.c, core.PathIDs{}, `{"janus":"info","transaction":"i"}`)
			if ip := m["public-ip"]; ip != tc.wantIP {
				t.Errorf("public-ip %v, want %v", ip, tc.wantIP)
			}
			ips, ok := m["public-ips"].([]any)
			if ok != tc.wantIPsOK || !reflect.DeepEqual(ips, tc.wantIPs) {
				t.Errorf("public-ips %v (present %v), want %v", m["public-ips"], ok, tc.wantIPs)
			}
			if m["ice-lite"] != tc.lite {
				t.Errorf("ice-lite %v, want %v", m["ice-lite"], tc.lite)
			}
		})
	}
}

// TestInfoIPv6: server_info says "ipv6" as configured and, with IPv6 on,
// "ipv6-link-local" false (as Janus does when ipv6 is on; pion gathers no
// link-local addresses).
func TestInfoIPv6(t *testing.T) {
	for _, on := range []bool{false, true} {
		e := newEnv(t, func(c *core.Config) { c.IPv6 = on })
		m := e.req(e.c, core.PathIDs{}, `{"janus":"info","transaction":"i"}`)
		ll, has := m["ipv6-link-local"]
		if m["ipv6"] != on || has != on || (on && ll != false) {
			t.Errorf("ipv6 %v: ipv6 %v, ipv6-link-local %v (present %v)", on, m["ipv6"], ll, has)
		}
	}
}
