package core_test

import (
	"log/slog"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// TestICEFailedEvent: a connected client stops answering ICE consent
// checks; its Janus API client gets Janus 1.2's "ice-failed" {session_id,
// sender}, then (hangup_on_failed) "hangup" with reason "ICE failed".
func TestICEFailedEvent(t *testing.T) {
	eng, err := webrtc.NewEngine(webrtc.Config{
		ServerName: "test", Emitter: telemetry.Discard, IncludeLoopback: true,
		Logger: slog.New(slog.DiscardHandler), HangupOnFailed: true,
		ICEDisconnectedTimeout: 500 * time.Millisecond, ICEFailedTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	e := newEnv(t, func(c *core.Config) { c.Engine = eng; c.HangupOnFailed = true })
	if v := e.req(e.c, core.PathIDs{}, `{"janus":"info","transaction":"i"}`)["hangup-on-failed"]; v != true {
		t.Fatalf("info hangup-on-failed = %v", v)
	}
	s := e.create(e.c)
	h := e.attach(s, pluginA)
	pc, offer := clientOffer(t)
	if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o1", "answer", "offer", offer)); m["janus"] != "ack" {
		t.Fatalf("offer: %v", m)
	}
	ev, err := e.c.WaitFor(wait, func(p coretest.Pushed) bool { return p.JSON["transaction"] == "o1" && p.JSON["jsep"] != nil })
	if err != nil {
		t.Fatal("no answer event")
	}
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: ev.JSON["jsep"].(map[string]any)["sdp"].(string)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.WaitJanus("webrtcup", wait); err != nil {
		t.Fatal(err)
	}
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
