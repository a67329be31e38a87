package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/janusclient"
)

// TestPluginConfigs: -plugin-config reads a registered plugin's JSON
// section from a file and refuses what cannot be used.
func TestPluginConfigs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "videoroom.json")
	bad := filepath.Join(dir, "bad.json")
	big := filepath.Join(dir, "big.json")
	for path, body := range map[string]string{good: `{"admin_key":"k"}`, bad: `{"admin_key":`, big: `"` + string(make([]byte, maxPluginConfig)) + `"`} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	registered := []string{"janus.plugin.echotest", "janus.plugin.videoroom"}
	for _, tc := range []struct {
		name    string
		entries []string
		ok      bool
	}{
		{"none", nil, true},
		{"one", []string{"janus.plugin.videoroom=" + good}, true},
		{"no file", []string{"janus.plugin.videoroom"}, false},
		{"no package", []string{"=" + good}, false},
		{"unknown plugin", []string{"janus.plugin.nope=" + good}, false},
		{"twice", []string{"janus.plugin.videoroom=" + good, "janus.plugin.videoroom=" + good}, false},
		{"missing file", []string{"janus.plugin.videoroom=" + filepath.Join(dir, "none.json")}, false},
		{"not JSON", []string{"janus.plugin.videoroom=" + bad}, false},
		{"too big", []string{"janus.plugin.videoroom=" + big}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pluginConfigs(tc.entries, registered)
			if tc.ok != (err == nil) {
				t.Fatalf("err %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, errPluginConfig) {
				t.Fatalf("err %v does not wrap errPluginConfig", err)
			}
			if tc.ok && len(tc.entries) == 1 && string(got["janus.plugin.videoroom"]) != `{"admin_key":"k"}` {
				t.Fatalf("got %s", got["janus.plugin.videoroom"])
			}
		})
	}
}

// TestPluginConfigReachesPlugin: a VideoRoom configuration given with
// -plugin-config is the plugin's: its room exists, and Janus's sample room
// 1234, which VideoRoom creates only without a configuration, does not.
func TestPluginConfigReachesPlugin(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "videoroom.json")
	if err := os.WriteFile(cfg, []byte(`{"rooms":[{"room":4321,"description":"Configured room"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startTestServer(t, "-plugin-config", "janus.plugin.videoroom="+cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := janusclient.NewHTTP(a["http"]+"/janus", janusclient.Options{})
	defer c.Close()
	req := func(sid, hid uint64, msg janusclient.Msg) janusclient.Msg {
		t.Helper()
		m, err := c.Request(ctx, sid, hid, msg)
		if m, err = janusclient.Expect(m, err, "success"); err != nil {
			t.Fatal(err)
		}
		return m
	}
	sid := req(0, 0, janusclient.Msg{"janus": "create"}).Uint("data", "id")
	hid := req(sid, 0, janusclient.Msg{"janus": "attach", "plugin": "janus.plugin.videoroom"}).Uint("data", "id")
	for room, want := range map[uint64]bool{4321: true, 1234: false} {
		m := req(sid, hid, janusclient.Msg{"janus": "message", "body": map[string]any{"request": "exists", "room": room}})
		if got, _ := m.Field("plugindata", "data", "exists").(bool); got != want {
			t.Errorf("room %d exists: %v, want %v (%s)", room, got, want, m)
		}
	}
}
