package core_test

import (
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// TestICEFailedEvent: a connected client stops answering ICE consent
// checks; its Janus API client gets Janus 1.2's "ice-failed" {session_id,
// sender}, then (hangup_on_failed) "hangup" with reason "ICE failed".
func TestICEFailedEvent(t *testing.T) {
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test", HangupOnFailed: true,
		ICEDisconnectedTimeout: 500 * time.Millisecond, ICEFailedTimeout: time.Second})
	e := newEnv(t, func(c *core.Config) { c.Engine = eng; c.HangupOnFailed = true })
	if v := e.req(e.c, core.PathIDs{}, `{"janus":"info","transaction":"i"}`)["hangup-on-failed"]; v != true {
		t.Fatalf("info hangup-on-failed = %v", v)
	}
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	pc, offer := clientOffer(t)
	connectPC(t, e, s, h, pc, offer)
	if err := pc.SCTP().Transport().ICETransport().Stop(); err != nil {
		t.Fatal(err)
	}
	p, err := e.c.WaitJanus("ice-failed", 30*time.Second)
	if err != nil || num(t, p.JSON["session_id"]) != s || num(t, p.JSON["sender"]) != h || len(p.JSON) != 3 {
		t.Fatalf("ice-failed: %v %v", p.JSON, err)
	}
	if p, err := e.c.WaitJanus("hangup", 30*time.Second); err != nil || p.JSON["reason"] != "ICE failed" {
		t.Fatalf("hangup: %v %v", p.JSON, err)
	}
}
