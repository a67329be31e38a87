package core_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/core"
)

// TestJanusErrors covers every reachable Janus API error with its exact text.
func TestJanusErrors(t *testing.T) {
	const (
		plain = iota
		secret
		token
	)
	cases := []struct {
		name   string
		mode   int
		path   core.PathIDs // {S}/{H} via usePath
		usePS  bool         // path session = the test session
		usePH  bool         // path handle = the test handle
		req    string       // {S} and {H} are replaced by the test session and handle ids
		code   uint64
		reason string // exact; a trailing '*' means prefix
	}{
		{name: "bad json", req: `{"janus":`, code: 454, reason: "JSON error: on line 1: *"},
		{name: "trailing data", req: `{"janus":"info","transaction":"t"} x`, code: 454, reason: "JSON error: *"},
		{name: "empty", req: ``, code: 454, reason: "JSON error: *"},
		{name: "not object", req: `[1,2]`, code: 455, reason: "JSON error: not an object"},
		{name: "no transaction", req: `{"janus":"info"}`, code: 456, reason: "Missing mandatory element (transaction)"},
		{name: "transaction type", req: `{"janus":"info","transaction":1}`, code: 467, reason: "Invalid element type (transaction should be a string)"},
		{name: "no janus", req: `{"transaction":"t"}`, code: 456, reason: "Missing mandatory element (janus)"},
		{name: "janus type", req: `{"janus":true,"transaction":"t"}`, code: 467, reason: "Invalid element type (janus should be a string)"},
		{name: "id real", req: `{"janus":"create","transaction":"t","id":1.0}`, code: 467, reason: "Invalid element type (id should be a positive integer)"},
		{name: "id negative", req: `{"janus":"create","transaction":"t","id":-4}`, code: 467, reason: "Invalid element type (id should be a positive integer)"},
		{name: "root verb", req: `{"janus":"attach","transaction":"t"}`, code: 457, reason: "Unhandled request 'attach' at this path"},
		{name: "root string session", req: `{"janus":"keepalive","transaction":"t","session_id":"{S}"}`, code: 457, reason: "Unhandled request 'keepalive' at this path"},
		{name: "handle without session", req: `{"janus":"message","transaction":"t","handle_id":5}`, code: 458, reason: "Session not found"},
		{name: "no such session", req: `{"janus":"keepalive","transaction":"t","session_id":12345}`, code: 458, reason: "No such session 12345"},
		{name: "no such handle", req: `{"janus":"detach","transaction":"t","session_id":{S},"handle_id":99}`, code: 459, reason: "No such handle 99 in session {S}"},
		{name: "handle zero", req: `{"janus":"detach","transaction":"t","session_id":{S},"handle_id":0}`, code: 459, reason: "Handle not found"},
		{name: "info with session", req: `{"janus":"info","transaction":"t","session_id":{S}}`, code: 453, reason: "Unknown request 'info'"},
		{name: "unknown verb", req: `{"janus":"Frobnicate","transaction":"t","session_id":{S}}`, code: 453, reason: "Unknown request 'Frobnicate'"},
		{name: "attach with handle", req: `{"janus":"attach","transaction":"t","session_id":{S},"handle_id":{H},"plugin":"x"}`, code: 457, reason: "Unhandled request 'attach' at this path"},
		{name: "destroy with handle", req: `{"janus":"destroy","transaction":"t","session_id":{S},"handle_id":{H}}`, code: 457, reason: "Unhandled request 'destroy' at this path"},
		{name: "message without handle", req: `{"janus":"message","transaction":"t","session_id":{S},"body":{}}`, code: 457, reason: "Unhandled request 'message' at this path"},
		{name: "conflicting session", usePS: true, req: `{"janus":"keepalive","transaction":"t","session_id":1}`, code: 457, reason: "Conflicting session ID (payload and path)"},
		{name: "conflicting handle", usePS: true, usePH: true, req: `{"janus":"hangup","transaction":"t","handle_id":1}`, code: 457, reason: "Conflicting handle ID (payload and path)"},
		{name: "attach no plugin", req: `{"janus":"attach","transaction":"t","session_id":{S}}`, code: 456, reason: "Missing mandatory element (plugin)"},
		{name: "attach plugin type", req: `{"janus":"attach","transaction":"t","session_id":{S},"plugin":7}`, code: 467, reason: "Invalid element type (plugin should be a string)"},
		{name: "attach opaque type", req: `{"janus":"attach","transaction":"t","session_id":{S},"plugin":"` + pluginA + `","opaque_id":1}`, code: 467, reason: "Invalid element type (opaque_id should be a string)"},
		{name: "no such plugin", req: `{"janus":"attach","transaction":"t","session_id":{S},"plugin":"janus.plugin.nope"}`, code: 460, reason: "No such plugin 'janus.plugin.nope'"},
		{name: "attach refused", req: `{"janus":"attach","transaction":"t","session_id":{S},"plugin":"` + pluginR + `"}`, code: 461, reason: "Couldn't attach to plugin: error 'attach refused'"},
		{name: "no body", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H}}`, code: 456, reason: "Missing mandatory element (body)"},
		{name: "body type", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":[]}`, code: 467, reason: "Invalid element type (body should be an object)"},
		{name: "plugin error", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{"request":"error"}}`, code: 462, reason: "fake error"},
		{name: "plugin no data", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{"request":"empty"}}`, code: 462, reason: "Plugin didn't provide any content for this synchronous response"},
		{name: "plugin non-object", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{"request":"array"}}`, code: 462, reason: "Plugin returned an invalid JSON response"},
		{name: "jsep not object", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":"x"}`, code: 455, reason: "Invalid jsep object"},
		{name: "jsep no type", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"sdp":"v=0"}}`, code: 456, reason: "JSEP error: missing mandatory element (type)"},
		{name: "jsep no sdp", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"type":"offer"}}`, code: 456, reason: "JSEP error: missing mandatory element (sdp)"},
		{name: "jsep sdp type", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"type":"offer","sdp":5}}`, code: 467, reason: "JSEP error: invalid element type (sdp should be a string)"},
		{name: "jsep trickle type", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"type":"offer","sdp":"x","trickle":"no"}}`, code: 467, reason: "JSEP error: invalid element type (trickle should be a boolean)"},
		{name: "jsep unknown type", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"type":"pranswer","sdp":"x"}}`, code: 464, reason: "JSEP error: unknown message type 'pranswer'"},
		{name: "unexpected answer", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"type":"answer","sdp":"x"}}`, code: 469, reason: "Unexpected ANSWER (did we offer?)"},
		{name: "no engine", req: `{"janus":"message","transaction":"t","session_id":{S},"handle_id":{H},"body":{},"jsep":{"type":"OFFER","sdp":"x"}}`, code: 490, reason: "Error setting ICE locally"},
		{name: "trickle both", req: `{"janus":"trickle","transaction":"t","session_id":{S},"handle_id":{H},"candidate":{},"candidates":[]}`, code: 454, reason: "Can't have both candidate and candidates"},
		{name: "trickle none", req: `{"janus":"trickle","transaction":"t","session_id":{S},"handle_id":{H}}`, code: 456, reason: "Missing mandatory element (candidate|candidates)"},
		{name: "trickle candidates type", req: `{"janus":"trickle","transaction":"t","session_id":{S},"handle_id":{H},"candidates":{}}`, code: 467, reason: "Invalid element type (candidates should be an array)"},
		{name: "session conflict", req: `{"janus":"create","transaction":"t","id":{S}}`, code: 468, reason: "Session ID already in use"},
		{name: "secret missing", mode: secret, req: `{"janus":"keepalive","transaction":"t","session_id":{S}}`, code: 403, reason: "Unauthorized request (wrong or missing secret/token)"},
		{name: "secret wrong create", mode: secret, req: `{"janus":"create","transaction":"t","apisecret":"nope"}`, code: 403, reason: "Unauthorized request (wrong or missing secret/token)"},
		{name: "token unknown", mode: token, req: `{"janus":"create","transaction":"t","token":"nope"}`, code: 403, reason: "Unauthorized request (wrong or missing secret/token)"},
		{name: "token plugin acl", mode: token, req: `{"janus":"attach","transaction":"t","session_id":{S},"plugin":"` + pluginB + `","token":"tok"}`, code: 405, reason: "Provided token can't access plugin '" + pluginB + "'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *core.Config) {
				switch tc.mode {
				case secret:
					c.APISecret = "s3cret"
				case token:
					c.TokenAuth = true
				}
			})
			auth := ``
			switch tc.mode {
			case secret:
				auth = `,"apisecret":"s3cret"`
			case token:
				if m := e.admin(`{"janus":"add_token","transaction":"t","token":"tok","plugins":["%s"]}`, pluginA); m["janus"] != "success" {
					t.Fatalf("add_token: %v", m)
				}
				auth = `,"token":"tok"`
			}
			m := e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c"%s}`, auth)
			s := num(t, m["data"].(map[string]any)["id"])
			m = e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q%s}`, s, pluginA, auth)
			h := num(t, m["data"].(map[string]any)["id"])
			var p core.PathIDs
			if tc.usePS {
				p.Session = core.SessionID(s)
			}
			if tc.usePH {
				p.Handle = core.HandleID(h)
			}
			sub := strings.NewReplacer("{S}", strconv.FormatUint(s, 10), "{H}", strconv.FormatUint(h, 10))
			out := e.g.HandleJanus(context.Background(), e.c, []byte(sub.Replace(tc.req)), p)
			code, reason := errOf(t, decodeOrFail(t, out))
			want := sub.Replace(tc.reason)
			if code != tc.code {
				t.Fatalf("code = %d, want %d (%s)", code, tc.code, out)
			}
			if p, ok := strings.CutSuffix(want, "*"); ok {
				if !strings.HasPrefix(reason, p) {
					t.Fatalf("reason = %q, want prefix %q", reason, p)
				}
			} else if reason != want {
				t.Fatalf("reason = %q, want %q", reason, want)
			}
		})
	}
}

// TestCreateConflictNamesSession: a create with an id in use is a 468
// error carrying that id as session_id, as Janus 1.1.2 answers.
func TestCreateConflictNamesSession(t *testing.T) {
	e := newEnv(t, nil)
	m := e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c","id":4444}`)
	if num(t, m["data"].(map[string]any)["id"]) != 4444 {
		t.Fatalf("create with id: %v", m)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"d","id":4444}`)
	if code, _ := errOf(t, m); code != 468 || m["transaction"] != "d" || m["session_id"] == nil || num(t, m["session_id"]) != 4444 {
		t.Errorf("create with an id in use: %v", m)
	}
}

func decodeOrFail(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m := decode(b)
	if m == nil {
		t.Fatalf("not a JSON object: %s", b)
	}
	return m
}
