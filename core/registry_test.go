package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

const (
	registered = "janus.plugin.coretest.registered"
	declaring  = "janus.plugin.coretest.declaring"
)

var registeredInst = coretest.NewPlugin(registered)

func init() {
	core.RegisterPlugin(registered, func() core.Plugin { return registeredInst })
	core.RegisterPlugin(declaring, func() core.Plugin { return newDeclaringPlugin(declaring) })
}

// declaringPlugin is a fake plugin that declares limit names (one twice)
// and keeps the Host it was initialised with.
type declaringPlugin struct {
	*coretest.Plugin
	host core.Host
}

func newDeclaringPlugin(pkg string) *declaringPlugin {
	return &declaringPlugin{Plugin: coretest.NewPlugin(pkg)}
}

func (p *declaringPlugin) Init(ctx context.Context, h core.Host, cfg json.RawMessage) error {
	p.host = h
	return p.Plugin.Init(ctx, h, cfg)
}

func (*declaringPlugin) LimitNames() []string {
	return []string{"declared_b", "declared_a", "declared_b"}
}

// TestPluginLimitNames: the names registered plugins declare are listed,
// sorted, once each; plugins that declare none add nothing.
func TestPluginLimitNames(t *testing.T) {
	if got, want := core.PluginLimitNames(), []string{"declared_a", "declared_b"}; !slices.Equal(got, want) {
		t.Errorf("PluginLimitNames = %v, want %v", got, want)
	}
	for _, n := range core.LimitNames() {
		if n == "" || n == "declared_a" {
			t.Errorf("core limit name %q", n)
		}
	}
}

// TestHostLimits: a plugin's Host tells it the core's limits, defaults
// applied and a disabled limit as 0.
func TestHostLimits(t *testing.T) {
	tests := []struct {
		name string
		in   core.Limits
		want int // Limits().MaxMLines as the plugin sees it
	}{
		{"default", core.Limits{}, core.DefaultMaxMLines},
		{"raised", core.Limits{MaxMLines: 200}, 200},
		{"disabled", core.Limits{MaxMLines: -1}, 0},
	}
	for _, tc := range tests {
		p := newDeclaringPlugin("janus.plugin.coretest.limits")
		g, err := core.New(context.Background(), core.Config{
			Plugins: []string{}, PluginInstances: []core.Plugin{p}, Limits: tc.in, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		lh, ok := p.host.(core.LimitsHost)
		if !ok {
			t.Fatalf("%s: the plugin's Host is no core.LimitsHost", tc.name)
		}
		if got := lh.Limits(); got.MaxMLines != tc.want || got.MaxSessions != core.DefaultMaxSessions {
			t.Errorf("%s: Limits() = %+v, want MaxMLines %d and the default MaxSessions", tc.name, got, tc.want)
		}
		if err := g.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRegistry(t *testing.T) {
	if !slices.Contains(core.RegisteredPlugins(), registered) {
		t.Fatalf("RegisteredPlugins: %v", core.RegisteredPlugins())
	}
	for name, f := range map[string]func(){
		"duplicate": func() { core.RegisterPlugin(registered, func() core.Plugin { return nil }) },
		"empty":     func() { core.RegisterPlugin("", func() core.Plugin { return nil }) },
		"nil":       func() { core.RegisterPlugin("janus.plugin.nilctor", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s registration did not panic", name)
				}
			}()
			f()
		}()
	}

	g, err := core.New(context.Background(), core.Config{
		Plugins:       []string{registered},
		PluginConfigs: map[string]json.RawMessage{registered: json.RawMessage(`{"k":true}`)},
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(registeredInst.Config()) != `{"k":true}` {
		t.Errorf("plugin config: %s", registeredInst.Config())
	}
	c := coretest.NewClient("janus.transport.test", 1)
	info := decode(g.HandleJanus(context.Background(), c, []byte(`{"janus":"info","transaction":"t"}`), core.PathIDs{}))
	if p := info["plugins"].(map[string]any); len(p) != 1 || p[registered] == nil {
		t.Errorf("plugins: %v", p)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	_, err = core.New(context.Background(), core.Config{Plugins: []string{"janus.plugin.absent"}})
	if !errors.Is(err, core.ErrUnknownPlugin) {
		t.Errorf("unknown plugin: %v", err)
	}
	_, err = core.New(context.Background(), core.Config{
		Plugins:         []string{},
		PluginInstances: []core.Plugin{coretest.NewPlugin("janus.plugin.x"), coretest.NewPlugin("janus.plugin.x")},
	})
	if !errors.Is(err, core.ErrDuplicatePlugin) {
		t.Errorf("duplicate plugin: %v", err)
	}
}

func TestClosePeerWithoutPeer(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(e.c)
	e.attach(s, pluginA)
	h := e.a.Sessions()[0].Handle()
	h.ClosePeer() // no PeerConnection: nothing happens
	if _, err := h.Peer(); !errors.Is(err, core.ErrNoEngine) {
		t.Fatalf("Peer without engine: %v", err)
	}
	if h.SessionID() != core.SessionID(s) || h.OpaqueID() != "op-1" || h.Logger() == nil {
		t.Fatalf("handle accessors")
	}
	e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"d","session_id":%d}`, s)
	if err := h.Push("", map[string]any{}, nil); !errors.Is(err, core.ErrHandleGone) {
		t.Fatalf("Push after destroy: %v", err)
	}
}
