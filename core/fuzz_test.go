package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

var fuzzSeeds = []string{
	`{"janus":"info","transaction":"t"}`,
	`{"janus":"create","transaction":"t","id":1}`,
	`{"janus":"attach","transaction":"t","session_id":1,"plugin":"janus.plugin.fakea"}`,
	`{"janus":"message","transaction":"t","session_id":1,"handle_id":2,"body":{"request":"async"},"jsep":{"type":"offer","sdp":"v=0"}}`,
	`{"janus":"trickle","transaction":"t","session_id":1,"handle_id":2,"candidates":[{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:1"},{"completed":true},null]}`,
	`{"janus":"trickle","transaction":"t","session_id":1,"handle_id":2,"candidate":{"sdpMLineIndex":99999999999999999999}}`,
	`{"janus":"claim","transaction":"t","session_id":-1,"handle_id":1e3}`,
	`{"janus":"keepalive","transaction":"t","session_id":1}{"janus":"x"}`,
	`{"janus":"handle_info","transaction":"t","session_id":1,"handle_id":2,"admin_secret":"x"}`,
	`{"janus":"add_token","transaction":"t","token":"a","plugins":[1,null,"janus.plugin.fakea"]}`,
	`{"janus":"allow_token","transaction":"t","token":"a","plugins":["janus.plugin.fakea"]}`,
	`{"janus":"custom_event","transaction":"t","schema":"s","data":{"a":[1,2.5e300]}}`,
	`{"janus":"set_session_timeout","transaction":"t","session_id":1,"timeout":-1}`,
	`{"janus":"destroy","transaction":"t","session_id":1}`,
	`[]`, `null`, `"x"`, `{`, "\xff", ``,
}

// fuzzGateway makes a gateway whose session 1 has handle-bearing state the
// fuzzer can reach; every input runs against the same gateway.
func fuzzGateway(f *testing.F) (*core.Gateway, *coretest.Client) {
	g, err := core.New(context.Background(), core.Config{
		Plugins:         []string{},
		PluginInstances: []core.Plugin{coretest.NewPlugin("janus.plugin.fakea")},
		TokenAuth:       true,
		Logger:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = g.Shutdown(context.Background()) })
	c := coretest.NewClient("janus.transport.fuzz", 1)
	g.HandleAdmin(context.Background(), c, []byte(`{"janus":"add_token","transaction":"t","token":"tok"}`), core.PathIDs{})
	g.HandleJanus(context.Background(), c, []byte(`{"janus":"create","transaction":"t","id":1,"token":"tok"}`), core.PathIDs{})
	return g, c
}

func checkReply(t *testing.T, out []byte) {
	if !json.Valid(out) {
		t.Fatalf("invalid JSON reply: %q", out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil || m["janus"] == nil {
		t.Fatalf("reply is not a Janus object: %q", out)
	}
}

func FuzzHandleJanus(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(0), uint64(0))
	}
	f.Add([]byte(`{"janus":"attach","transaction":"t","plugin":"janus.plugin.fakea","token":"tok"}`), uint64(1), uint64(0))
	g, c := fuzzGateway(f)
	f.Fuzz(func(t *testing.T, raw []byte, sid, hid uint64) {
		checkReply(t, g.HandleJanus(context.Background(), c, raw, core.PathIDs{Session: core.SessionID(sid), Handle: core.HandleID(hid)}))
	})
}

func FuzzHandleAdmin(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(0), uint64(0))
	}
	g, c := fuzzGateway(f)
	f.Fuzz(func(t *testing.T, raw []byte, sid, hid uint64) {
		if bytes.Contains(bytes.ToLower(raw), []byte("resolve")) {
			return // resolve_address would query DNS
		}
		checkReply(t, g.HandleAdmin(context.Background(), c, raw, core.PathIDs{Session: core.SessionID(sid), Handle: core.HandleID(hid)}))
	})
}
