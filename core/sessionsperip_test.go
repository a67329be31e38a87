package core_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// TestSessionsPerIPBounded: with MaxSessionsPerIP 2, a client address
// (whatever connection it uses, IPv4-mapped or not) gets 472 for its third
// live session, counted; other addresses and transports without a client
// address (PerIP false: brokers, Unix sockets) are not held back; every
// way a session ends gives its slot back, a claim leaves it where it was,
// and the per-address table ends empty.
func TestSessionsPerIPBounded(t *testing.T) {
	cnt := &counter{}
	e := newEnv(t, func(c *core.Config) {
		c.Limits.MaxSessionsPerIP = 2
		c.Refusals = cnt
		c.WatchdogInterval = 50 * time.Millisecond
	})
	const pkg = "janus.transport.http"
	a1 := coretest.NewClientAt(pkg, 1, "10.0.0.1")
	a2 := coretest.NewClientAt("janus.transport.websockets", 2, "10.0.0.1")
	aMapped := coretest.NewClientAt(pkg, 3, "::ffff:10.0.0.1")
	b := coretest.NewClientAt(pkg, 4, "10.0.0.2")
	broker := coretest.NewClient("janus.transport.mqtt", 5) // RemoteIP 127.0.0.1, not the client's
	create := func(c core.Client) (uint64, string) {
		m := e.req(c, core.PathIDs{}, `{"janus":"create","transaction":"c"}`)
		if m["janus"] == "success" {
			return num(t, m["data"].(map[string]any)["id"]), ""
		}
		code, reason := errOf(t, m)
		if code != 472 {
			t.Fatalf("create: %v", m)
		}
		return 0, reason
	}
	mustCreate := func(c core.Client) uint64 {
		t.Helper()
		s, reason := create(c)
		if s == 0 {
			t.Fatalf("create from %s refused: %s", c.Info().RemoteIP, reason)
		}
		return s
	}
	mustRefuse := func(c core.Client) {
		t.Helper()
		if s, reason := create(c); s != 0 || !strings.Contains(reason, "limit 2 per client address") {
			t.Fatalf("create from %s: session %d, reason %q; want 472", c.Info().RemoteIP, s, reason)
		}
	}

	s1 := mustCreate(a1)
	s2 := mustCreate(a2) // another connection, same address
	for _, c := range []core.Client{a1, a2, aMapped} {
		mustRefuse(c)
	}
	if got := cnt.get(core.LimitSessionsPerIP); got != 3 {
		t.Fatalf("refusals counted %d, want 3", got)
	}
	if got := cnt.get(core.LimitSessions); got != 0 {
		t.Fatalf("the global limit counted %d", got)
	}
	mustCreate(b)
	for range 5 {
		mustCreate(broker)
	}

	// A claim moves the session, not its count.
	if m := e.req(b, core.PathIDs{Session: core.SessionID(s1)}, `{"janus":"claim","transaction":"cl"}`); m["janus"] != "success" {
		t.Fatalf("claim: %v", m)
	}
	mustRefuse(a1)
	mustCreate(b)

	// destroy, a timeout and the transport going away give the slots back.
	e.req(b, core.PathIDs{}, `{"janus":"destroy","transaction":"d","session_id":%d}`, s1)
	s3 := mustCreate(a1)
	mustRefuse(aMapped)
	if m := e.admin(`{"janus":"set_session_timeout","transaction":"x","admin_secret":"","session_id":%d,"timeout":1}`, s2); m["janus"] != "success" {
		t.Fatalf("set_session_timeout: %v", m)
	}
	if o, err := a2.WaitOver(core.SessionID(s2), 5*time.Second); err != nil || !o.TimedOut {
		t.Fatalf("session %d did not time out: %+v %v", s2, o, err)
	}
	s4 := mustCreate(aMapped)
	if want, got := map[string]int{"10.0.0.1": 2, "10.0.0.2": 2}, core.SessionsPerIP(e.g); !maps.Equal(got, want) {
		t.Fatalf("per-address counts %v, want %v", got, want)
	}
	e.g.TransportGone(b) // no reclaim timeout: b's sessions end
	for _, s := range []uint64{s3, s4} {
		e.req(a1, core.PathIDs{}, `{"janus":"destroy","transaction":"d","session_id":%d}`, s)
	}
	if got := core.SessionsPerIP(e.g); len(got) != 0 {
		t.Fatalf("per-address table not emptied: %v", got)
	}
	if got := e.g.Counts().Sessions; got != 5 {
		t.Fatalf("%d sessions left, want the broker's 5", got)
	}
}
