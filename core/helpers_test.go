package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

const (
	pluginA = "janus.plugin.fakea"
	pluginB = "janus.plugin.fakeb"
	pluginR = "janus.plugin.refuses"
	wait    = 5 * time.Second
)

// recorder is a thread-safe recording telemetry.Emitter.
type recorder struct{ telemetrytest.Emitter }

// find returns the events of a type whose marshalled body contains every fragment.
func (r *recorder) find(typ telemetry.Type, frags ...string) []map[string]any {
	var out []map[string]any
	for _, e := range r.Events() {
		if e.Type != typ {
			continue
		}
		b, _ := json.Marshal(e)
		ok := true
		for _, f := range frags {
			ok = ok && strings.Contains(string(b), f)
		}
		if ok {
			out = append(out, coretest.Decode(b))
		}
	}
	return out
}

// env is a gateway with fake plugins and a recording emitter.
type env struct {
	t   *testing.T
	g   *core.Gateway
	rec *recorder
	a   *coretest.Plugin
	c   *coretest.Client
}

func newEnv(t *testing.T, mod func(*core.Config)) *env {
	t.Helper()
	e := &env{t: t, rec: &recorder{}, a: coretest.NewPlugin(pluginA), c: coretest.NewClient("janus.transport.test", 7)}
	refuse := coretest.NewPlugin(pluginR)
	refuse.RefuseAttach = true
	cfg := core.Config{
		Plugins:         []string{},
		PluginInstances: []core.Plugin{e.a, coretest.NoAdmin(coretest.NewPlugin(pluginB)), refuse},
		Emitter:         e.rec,
		Logger:          slog.New(slog.DiscardHandler),
		PluginConfigs:   map[string]json.RawMessage{pluginA: json.RawMessage(`{"x":1}`)},
	}
	if mod != nil {
		mod(&cfg)
	}
	g, err := core.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.g = g
	testkit.ShutdownAtEnd(t, "Shutdown", wait, g.Shutdown)
	return e
}

// req sends a Janus API request (fmt-formatted) from client c.
func (e *env) req(c core.Client, p core.PathIDs, format string, args ...any) map[string]any {
	e.t.Helper()
	out := e.g.HandleJanus(context.Background(), c, []byte(fmt.Sprintf(format, args...)), p)
	m := coretest.Decode(out)
	if m == nil {
		e.t.Fatalf("response is not a JSON object: %s", out)
	}
	return m
}

func (e *env) admin(format string, args ...any) map[string]any {
	e.t.Helper()
	out := e.g.HandleAdmin(context.Background(), e.c, []byte(fmt.Sprintf(format, args...)), core.PathIDs{})
	m := coretest.Decode(out)
	if m == nil {
		e.t.Fatalf("admin response is not a JSON object: %s", out)
	}
	return m
}

func num(t *testing.T, v any) uint64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("not a number: %#v", v)
	}
	var u uint64
	if _, err := fmt.Sscan(string(n), &u); err != nil {
		t.Fatalf("bad number %q", n)
	}
	return u
}

// create makes a session from client c and returns its id.
func (e *env) create(c core.Client) uint64 {
	e.t.Helper()
	m := e.req(c, core.PathIDs{}, `{"janus":"create","transaction":"c"}`)
	if m["janus"] != "success" {
		e.t.Fatalf("create: %v", m)
	}
	return num(e.t, m["data"].(map[string]any)["id"])
}

// attach attaches session s to plugin pkg and returns the handle id.
func (e *env) attach(s uint64, pkg string) uint64 {
	e.t.Helper()
	m := e.req(e.c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q,"opaque_id":"op-1"}`, s, pkg)
	if m["janus"] != "success" {
		e.t.Fatalf("attach: %v", m)
	}
	return num(e.t, m["data"].(map[string]any)["id"])
}

// errOf returns the error code and reason of a response (0 if not an error).
func errOf(t *testing.T, m map[string]any) (uint64, string) {
	t.Helper()
	if m["janus"] != "error" {
		return 0, ""
	}
	eo := m["error"].(map[string]any)
	return num(t, eo["code"]), eo["reason"].(string)
}

func decode(b []byte) map[string]any { return coretest.Decode(b) }
