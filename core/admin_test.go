package core_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

type fakeEVH struct{}

func (fakeEVH) Query(_ context.Context, req json.RawMessage) any {
	return map[string]any{"result": 200, "got": req}
}
func (fakeEVH) Info() core.ModuleInfo {
	return core.ModuleInfo{Name: "Fake EVH", VersionString: "0.0.1", Version: 1}
}

func adminEnv(t *testing.T) (*env, *slog.LevelVar) {
	lv := new(slog.LevelVar)
	e := newEnv(t, func(c *core.Config) {
		c.AdminSecret = "overlord"
		c.TokenAuth = true
		c.LogLevel = lv
		c.EventHandlers = map[string]core.EventHandler{"janus.eventhandler.fake": fakeEVH{}}
		c.Transports = []core.TransportDesc{{Package: "janus.transport.http", Name: "HTTP", VersionString: "0.1.0", Version: 1}}
	})
	return e, lv
}

// TestAdminErrors covers the Admin API errors with their exact texts.
func TestAdminErrors(t *testing.T) {
	e, _ := adminEnv(t)
	e.admin(`{"janus":"add_token","transaction":"t","admin_secret":"overlord","token":"tok"}`)
	m := e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c","token":"tok"}`)
	s := num(t, m["data"].(map[string]any)["id"])
	m = e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q,"token":"tok"}`, s, pluginA)
	h := num(t, m["data"].(map[string]any)["id"])
	cases := []struct {
		req    string
		code   uint64
		reason string
	}{
		{`{"janus":"get_status","transaction":"t"}`, 403, "Unauthorized request (wrong or missing secret/token)"},
		{`{"janus":"list_handles","transaction":"t","session_id":{S},"admin_secret":"x"}`, 403, "Unauthorized request (wrong or missing secret/token)"},
		{`{"janus":"frob","transaction":"t","admin_secret":"overlord"}`, 457, "Unhandled request 'frob' at this path"},
		{`{"janus":"frob","transaction":"t","session_id":{S},"admin_secret":"overlord"}`, 457, "Unhandled request 'frob' at this path"},
		{`{"janus":"frob","transaction":"t","session_id":{S},"handle_id":{H},"admin_secret":"overlord"}`, 457, "Unhandled request 'frob' at this path"},
		{`{"janus":"list_handles","transaction":"t","session_id":77,"admin_secret":"overlord"}`, 458, "No such session 77"},
		{`{"janus":"handle_info","transaction":"t","session_id":{S},"handle_id":0,"admin_secret":"overlord"}`, 458, "Invalid handle"},
		{`{"janus":"handle_info","transaction":"t","session_id":{S},"handle_id":5,"admin_secret":"overlord"}`, 459, "No such handle 5 in session {S}"},
		{`{"janus":"set_log_level","transaction":"t","admin_secret":"overlord","level":9}`, 467, "Invalid element type (level should be between 0 and 7)"},
		{`{"janus":"set_log_level","transaction":"t","admin_secret":"overlord"}`, 456, "Missing mandatory element (level)"},
		{`{"janus":"set_session_timeout","transaction":"t","admin_secret":"overlord","timeout":-1}`, 467, "Invalid element type (timeout should be a positive integer)"},
		{`{"janus":"set_session_timeout","transaction":"t","session_id":{S},"admin_secret":"overlord","timeout":-2}`, 467, "Invalid element type (timeout should be a non-negative integer or -1)"},
		{`{"janus":"set_locking_debug","transaction":"t","admin_secret":"overlord","debug":1}`, 467, "Invalid element type (debug should be a boolean)"},
		{`{"janus":"message_plugin","transaction":"t","admin_secret":"overlord","plugin":"nope"}`, 460, "Invalid plugin"},
		{`{"janus":"message_plugin","transaction":"t","admin_secret":"overlord","plugin":"` + pluginB + `"}`, 490, "Plugin doesn't support Admin API messages"},
		{`{"janus":"message_plugin","transaction":"t","admin_secret":"overlord"}`, 456, "Missing mandatory element (plugin)"},
		{`{"janus":"query_eventhandler","transaction":"t","admin_secret":"overlord","handler":"nope"}`, 460, "Invalid event handler"},
		{`{"janus":"custom_event","transaction":"t","admin_secret":"overlord","schema":"x"}`, 456, "Missing mandatory element (data)"},
		{`{"janus":"custom_event","transaction":"t","admin_secret":"overlord","schema":"x","data":[]}`, 467, "Invalid element type (data should be an object)"},
		{`{"janus":"custom_logline","transaction":"t","admin_secret":"overlord"}`, 456, "Missing mandatory element (line)"},
		{`{"janus":"allow_token","transaction":"t","admin_secret":"overlord","token":"nope","plugins":["` + pluginA + `"]}`, 470, "Token nope not found"},
		{`{"janus":"allow_token","transaction":"t","admin_secret":"overlord","token":"tok","plugins":[]}`, 467, "Invalid element type (plugins should be a non-empty array)"},
		{`{"janus":"disallow_token","transaction":"t","admin_secret":"overlord","token":"tok","plugins":["janus.plugin.nope"]}`, 467, "Invalid element type (some of the provided plugins are invalid)"},
		{`{"janus":"add_token","transaction":"t","admin_secret":"overlord","token":"tok"}`, 490, "Error adding token"},
		{`{"janus":"add_token","transaction":"t","admin_secret":"overlord"}`, 456, "Missing mandatory element (token)"},
		{`{"janus":"start_pcap","transaction":"t","session_id":{S},"handle_id":{H},"admin_secret":"overlord"}`, 490, "Error starting pcap dump"},
	}
	sub := strings.NewReplacer("{S}", strconv.FormatUint(s, 10), "{H}", strconv.FormatUint(h, 10))
	for _, tc := range cases {
		t.Run(tc.req, func(t *testing.T) {
			out := e.g.HandleAdmin(context.Background(), e.c, []byte(sub.Replace(tc.req)), core.PathIDs{})
			code, reason := errOf(t, decodeOrFail(t, out))
			if code != tc.code || reason != sub.Replace(tc.reason) {
				t.Fatalf("got %d %q, want %d %q", code, reason, tc.code, sub.Replace(tc.reason))
			}
		})
	}
	// Token requests without token auth.
	plain := newEnv(t, nil)
	if code, reason := errOf(t, plain.admin(`{"janus":"list_tokens","transaction":"t"}`)); code != 490 || reason != "Stored-Token based authentication disabled" {
		t.Fatalf("list_tokens without token auth: %d %q", code, reason)
	}
}

func TestAdminVerbs(t *testing.T) {
	e, lv := adminEnv(t)
	ok := func(format string, args ...any) map[string]any {
		t.Helper()
		m := e.admin(format, args...)
		if m["janus"] != "success" {
			t.Fatalf("%s: %v", format, m)
		}
		return m
	}
	if m := e.admin(`{"janus":"info","transaction":"t"}`); m["janus"] != "server_info" {
		t.Fatalf("admin info: %v", m)
	} else if _, ok := m["transports"].(map[string]any)["janus.transport.http"]; !ok {
		t.Fatalf("transports: %v", m["transports"])
	} else if ev := m["events"].(map[string]any)["janus.eventhandler.fake"].(map[string]any); ev["name"] != "Fake EVH" {
		t.Fatalf("events: %v", m["events"])
	}
	if m := e.admin(`{"janus":"ping","transaction":"t"}`); m["janus"] != "pong" {
		t.Fatalf("admin ping: %v", m)
	}
	st := ok(`{"janus":"get_status","transaction":"t","admin_secret":"overlord"}`)["status"].(map[string]any)
	if st["token_auth"] != true || len(st) != 14 {
		t.Fatalf("status: %v", st)
	}
	if m := ok(`{"janus":"set_log_level","transaction":"t","admin_secret":"overlord","level":7}`); num(t, m["level"]) != 7 || lv.Level() != slog.LevelDebug {
		t.Fatalf("set_log_level: %v %v", m, lv.Level())
	}
	if m := ok(`{"janus":"set_session_timeout","transaction":"t","admin_secret":"overlord","timeout":120}`); num(t, m["timeout"]) != 120 {
		t.Fatalf("set_session_timeout: %v", m)
	}
	if m := ok(`{"janus":"set_nack_optimizations","transaction":"t","admin_secret":"overlord","nack_optimizations":true}`); m["nack-optimizations"] != true {
		t.Fatalf("set_nack_optimizations: %v", m)
	}
	if m := ok(`{"janus":"set_slowlink_threshold","transaction":"t","admin_secret":"overlord","slowlink_threshold":4}`); num(t, m["slowlink_threshold"]) != 4 {
		t.Fatalf("set_slowlink_threshold: %v", m)
	}
	st = ok(`{"janus":"get_status","transaction":"t","admin_secret":"overlord"}`)["status"].(map[string]any)
	if num(t, st["session_timeout"]) != 120 || num(t, st["log_level"]) != 7 || st["nack-optimizations"] != true || num(t, st["slowlink_threshold"]) != 4 {
		t.Fatalf("status after set: %v", st)
	}
	m := ok(`{"janus":"message_plugin","transaction":"t","admin_secret":"overlord","plugin":%q,"request":{"a":1}}`, pluginA)
	if string(mustMarshal(m["response"])) != `{"echo":{"a":1}}` {
		t.Fatalf("message_plugin: %v", m)
	}
	m = ok(`{"janus":"query_eventhandler","transaction":"t","admin_secret":"overlord","handler":"janus.eventhandler.fake","request":{"request":"tweak"}}`)
	if num(t, m["response"].(map[string]any)["result"]) != 200 {
		t.Fatalf("query_eventhandler: %v", m)
	}
	ok(`{"janus":"custom_event","transaction":"t","admin_secret":"overlord","schema":"my.schema","data":{"k":"v"}}`)
	if ev := e.rec.find(telemetry.TypeExternal, `"event":{"schema":"my.schema","data":{"k":"v"}}`); len(ev) != 1 {
		t.Fatalf("external event: %v", ev)
	}
	if m := ok(`{"janus":"resolve_address","transaction":"t","admin_secret":"overlord","address":"127.0.0.1"}`); m["ip"] != "127.0.0.1" || m["elapsed"] == nil {
		t.Fatalf("resolve_address: %v", m)
	}
	ok(`{"janus":"custom_logline","transaction":"t","admin_secret":"overlord","line":"hello","level":2}`)

	// Tokens.
	if m := ok(`{"janus":"add_token","transaction":"t","admin_secret":"overlord","token":"t1","plugins":[%q,"janus.plugin.unknown"]}`, pluginA); string(mustMarshal(m["data"])) != `{"plugins":["`+pluginA+`"]}` {
		t.Fatalf("add_token: %v", m)
	}
	if m := ok(`{"janus":"allow_token","transaction":"t","admin_secret":"overlord","token":"t1","plugins":[%q]}`, pluginB); len(m["data"].(map[string]any)["plugins"].([]any)) != 2 {
		t.Fatalf("allow_token: %v", m)
	}
	ok(`{"janus":"add_token","transaction":"t","admin_secret":"overlord","token":"t2","plugins":[%q]}`, pluginB)
	ok(`{"janus":"disallow_token","transaction":"t","admin_secret":"overlord","token":"t2","plugins":[%q]}`, pluginB)
	m = ok(`{"janus":"list_tokens","transaction":"t","admin_secret":"overlord"}`)
	if got := string(mustMarshal(m["data"])); got != `{"tokens":[{"allowed_plugins":["`+pluginA+`","`+pluginB+`"],"token":"t1"}]}` {
		t.Fatalf("list_tokens: %s", got)
	}
	if !e.g.CheckAuth("", "t1") {
		t.Fatalf("t1 should authenticate")
	}
	ok(`{"janus":"remove_token","transaction":"t","admin_secret":"overlord","token":"t1"}`)
	if e.g.CheckAuth("", "t1") {
		t.Fatalf("removed token still valid")
	}

	// Sessions and handles.
	ok(`{"janus":"add_token","transaction":"t","admin_secret":"overlord","token":"t3"}`)
	m = e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c","token":"t3"}`)
	s := num(t, m["data"].(map[string]any)["id"])
	m = e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q,"token":"t3","opaque_id":"op"}`, s, pluginA)
	h := num(t, m["data"].(map[string]any)["id"])
	if m := ok(`{"janus":"list_sessions","transaction":"t","admin_secret":"overlord"}`); len(m["sessions"].([]any)) != 1 || num(t, m["sessions"].([]any)[0]) != s {
		t.Fatalf("list_sessions: %v", m)
	}
	if m := ok(`{"janus":"list_handles","transaction":"t","session_id":%d,"admin_secret":"overlord"}`, s); num(t, m["handles"].([]any)[0]) != h {
		t.Fatalf("list_handles: %v", m)
	}
	m = ok(`{"janus":"handle_info","transaction":"t","session_id":%d,"handle_id":%d,"admin_secret":"overlord"}`, s, h)
	info := m["info"].(map[string]any)
	if num(t, m["handle_id"]) != h || num(t, info["session_id"]) != s || info["plugin"] != pluginA || info["opaque_id"] != "op" ||
		info["token"] != "t3" || info["session_transport"] != "janus.transport.test" ||
		info["plugin_specific"].(map[string]any)["fake"] != true || len(info["flags"].(map[string]any)) != 20 {
		t.Fatalf("handle_info: %v", info)
	}
	for _, k := range []string{"session_last_activity", "session_timeout", "created", "current_time", "loop-running", "sdps"} {
		if _, ok := info[k]; !ok {
			t.Errorf("handle_info lacks %q", k)
		}
	}
	m = ok(`{"janus":"handle_info","transaction":"t","session_id":%d,"handle_id":%d,"admin_secret":"overlord","plugin_only":true}`, s, h)
	if _, has := m["info"].(map[string]any)["flags"]; has {
		t.Fatalf("plugin_only still has flags")
	}
	if m := ok(`{"janus":"set_session_timeout","transaction":"t","session_id":%d,"admin_secret":"overlord","timeout":0}`, s); num(t, m["timeout"]) != 0 || num(t, m["session_id"]) != s {
		t.Fatalf("session set_session_timeout: %v", m)
	}
	ok(`{"janus":"hangup_webrtc","transaction":"t","session_id":%d,"handle_id":%d,"admin_secret":"overlord"}`, s, h)
	ok(`{"janus":"detach_handle","transaction":"t","session_id":%d,"handle_id":%d,"admin_secret":"overlord"}`, s, h)
	if _, err := e.c.WaitJanus("detached", wait); err != nil {
		t.Fatalf("no detached push after detach_handle")
	}
	ok(`{"janus":"destroy_session","transaction":"t","session_id":%d,"admin_secret":"overlord"}`, s)
	if e.g.Touch(core.SessionID(s)) {
		t.Fatalf("session alive after destroy_session")
	}
	// accept_new_sessions → 472.
	if m := ok(`{"janus":"accept_new_sessions","transaction":"t","admin_secret":"overlord","accept":false}`); m["accept"] != false {
		t.Fatalf("accept_new_sessions: %v", m)
	}
	m = e.req(e.c, core.PathIDs{}, `{"janus":"create","transaction":"c","token":"t3"}`)
	if code, reason := errOf(t, m); code != 472 || reason != "Currently not accepting new sessions" {
		t.Fatalf("create while not accepting: %v", m)
	}
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestGetStatusReportsMediaSettings checks that get_status shows the
// no_media_timer and slowlink_threshold the engine was configured with.
func TestGetStatusReportsMediaSettings(t *testing.T) {
	e := newEnv(t, func(c *core.Config) {
		c.AdminSecret = "overlord"
		c.NoMediaTimer = 3 * time.Second
		c.SlowlinkThreshold = 5
	})
	m := e.admin(`{"janus":"get_status","transaction":"t","admin_secret":"overlord"}`)
	st, ok := m["status"].(map[string]any)
	if !ok {
		t.Fatalf("get_status: %v", m)
	}
	if got := num(t, st["no_media_timer"]); got != 3 {
		t.Errorf("no_media_timer = %d, want 3", got)
	}
	if got := num(t, st["slowlink_threshold"]); got != 5 {
		t.Errorf("slowlink_threshold = %d, want 5", got)
	}
}
