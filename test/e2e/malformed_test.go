package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// level says which ids a malformed request is addressed to.
type level int

const (
	atRoot      level = iota
	atSession         // the test's live session
	atHandle          // the test's live echotest handle
	atNoSession       // a session id that does not exist
	atNoHandle        // the live session, a handle id that does not exist
)

// validAnswerSDP is a well-formed audio answer, for the request that
// answers although Argus never offered.
var validAnswerSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
	"a=fingerprint:sha-256 " + strings.TrimSuffix(strings.Repeat("AB:", 32), ":") + "\r\n" +
	"a=setup:active\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"

// TestMalformedRequests: bad input gets Janus's error codes
// (janus-reference.md 1.1-1.3, 1.9) over both transports.
func TestMalformedRequests(t *testing.T) {
	tests := []struct {
		name string
		at   level
		raw  string // sent as is (root only)
		req  msg    // or: a request object (transaction "t" added if absent)
		code int
	}{
		{name: "unparseable JSON", at: atRoot, raw: `{"janus":"create",`, code: 454},
		{name: "not an object", at: atRoot, raw: `["janus","create"]`, code: 455},
		{name: "missing transaction", at: atRoot, req: msg{"janus": "create", "transaction": nil}, code: 456},
		{name: "transaction not a string", at: atRoot, req: msg{"janus": "create", "transaction": 7}, code: 467},
		{name: "missing janus", at: atRoot, req: msg{}, code: 456},
		{name: "janus not a string", at: atRoot, req: msg{"janus": true}, code: 467},
		{name: "session verb without session", at: atRoot, req: msg{"janus": "attach", "plugin": "janus.plugin.echotest"}, code: 457},
		{name: "unknown session", at: atNoSession, req: msg{"janus": "keepalive"}, code: 458},
		{name: "unknown verb on session", at: atSession, req: msg{"janus": "frobnicate"}, code: 453},
		{name: "attach without plugin", at: atSession, req: msg{"janus": "attach"}, code: 456},
		{name: "attach unknown plugin", at: atSession, req: msg{"janus": "attach", "plugin": "janus.plugin.nope"}, code: 460},
		{name: "handle verb without handle", at: atSession, req: msg{"janus": "message", "body": map[string]any{}}, code: 457},
		{name: "unknown handle", at: atNoHandle, req: msg{"janus": "message", "body": map[string]any{}}, code: 459},
		{name: "message without body", at: atHandle, req: msg{"janus": "message"}, code: 456},
		{name: "message body not an object", at: atHandle, req: msg{"janus": "message", "body": "hi"}, code: 467},
		{name: "jsep not an object", at: atHandle, req: msg{"janus": "message", "body": map[string]any{}, "jsep": 3}, code: 455},
		{name: "jsep unknown type", at: atHandle, req: msg{"janus": "message", "body": map[string]any{}, "jsep": map[string]any{"type": "pranswer", "sdp": "v=0"}}, code: 464},
		{name: "jsep without sdp", at: atHandle, req: msg{"janus": "message", "body": map[string]any{}, "jsep": map[string]any{"type": "offer"}}, code: 456},
		{name: "jsep garbage sdp", at: atHandle, req: msg{"janus": "message", "body": map[string]any{}, "jsep": map[string]any{"type": "offer", "sdp": "this is not SDP"}}, code: 465},
		{name: "answer without offer", at: atHandle, req: msg{"janus": "message", "body": map[string]any{}, "jsep": map[string]any{"type": "answer", "sdp": validAnswerSDP}}, code: 469},
		{name: "trickle with candidate and candidates", at: atHandle, req: msg{"janus": "trickle", "candidate": map[string]any{"completed": true}, "candidates": []any{}}, code: 454},
		{name: "trickle without candidate", at: atHandle, req: msg{"janus": "trickle"}, code: 456},
		{name: "trickle candidates not an array", at: atHandle, req: msg{"janus": "trickle", "candidates": "x"}, code: 467},
	}
	srv := startServer(t, serverOptions{})
	forEachTransport(t, srv, stepTimeout, func(t *testing.T, ctx context.Context, tr string, c janusClient) {
		sid := createSession(ctx, t, c)
		res, err := expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "attach", "plugin": "janus.plugin.echotest"}))
		if err != nil {
			t.Fatal(err)
		}
		hid := u64(field(res, "data", "id"))

		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ids := map[level][2]uint64{
					atRoot: {0, 0}, atSession: {sid, 0}, atHandle: {sid, hid},
					atNoSession: {sid + 1, 0}, atNoHandle: {sid, hid + 1},
				}[tt.at]
				s, h := ids[0], ids[1]
				raw := []byte(tt.raw)
				if tt.req != nil {
					req := msg{"transaction": "t"}
					for k, v := range tt.req {
						if v == nil {
							delete(req, k)
							continue
						}
						req[k] = v
					}
					if tr == "ws" {
						if s != 0 {
							req["session_id"] = s
						}
						if h != 0 {
							req["handle_id"] = h
						}
					}
					raw, _ = json.Marshal(req)
				}
				res, err := c.Do(ctx, s, h, raw)
				if err != nil {
					t.Fatalf("request %s: %v", raw, err)
				}
				if kind(res) != "error" || errorCode(res) != tt.code {
					t.Fatalf("request %s: got %s, want error %d", raw, jsonString(res), tt.code)
				}
				if reason, _ := field(res, "error", "reason").(string); reason == "" {
					t.Fatalf("error without reason: %s", jsonString(res))
				}
				if _, custom := tt.req["transaction"]; tt.req != nil && !custom && res["transaction"] != "t" {
					t.Fatalf("error does not copy the transaction: %s", jsonString(res))
				}
			})
		}

		// The EchoTest answers a body with nothing it knows (and no
		// JSEP) with an ack, then an error event 413.
		if _, err := expectKindOf("ack")(c.Request(ctx, sid, hid, msg{"janus": "message", "body": map[string]any{"nothing": "known"}})); err != nil {
			t.Fatal(err)
		}
		c.Watch(sid)
		in := &inbox{c: c}
		ev, err := in.wait(ctx, "echotest error event", fromHandle(hid, "event"))
		if err != nil {
			t.Fatal(err)
		}
		if code := u64(field(ev, "plugindata", "data", "error_code")); code != 413 {
			t.Fatalf("echotest error_code %d, want 413: %s", code, jsonString(ev))
		}
		if _, err := expectKindOf("success")(c.Request(ctx, sid, 0, msg{"janus": "destroy"})); err != nil {
			t.Fatal(err)
		}
	})
}
