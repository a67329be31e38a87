package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

const (
	registered = "janus.plugin.coretest.registered"
	declaring  = "janus.plugin.coretest.declaring"
	declaring2 = "janus.plugin.coretest.declaring2"
)

var (
	registeredInst = coretest.NewPlugin(registered)
	declaringBuilt atomic.Int32 // instances of the declaring plugins built
)

func init() {
	core.RegisterPlugin(registered, func() core.Plugin { return registeredInst })
	newDeclaring := func(pkg string) func() core.Plugin {
		return func() core.Plugin {
			declaringBuilt.Add(1)
			return coretest.NewPlugin(pkg)
		}
	}
	core.RegisterPlugin(declaring, newDeclaring(declaring),
		core.PluginLimits("declared_b", "declared_a"), core.PluginLimits("declared_b"))
	core.RegisterPlugin(declaring2, newDeclaring(declaring2), core.PluginLimits("declared_c", "declared_a"))
}

// TestPluginLimitNames: the names registered plugins declare are listed,
// sorted, once each, for the plugins asked for or all; plugins that
// declare none add nothing, and no plugin is built to ask.
func TestPluginLimitNames(t *testing.T) {
	tests := []struct {
		pkgs []string
		want []string
	}{
		{nil, []string{"declared_a", "declared_b", "declared_c"}},
		{[]string{declaring}, []string{"declared_a", "declared_b"}},
		{[]string{declaring2, registered}, []string{"declared_a", "declared_c"}},
		{[]string{registered, "janus.plugin.absent"}, nil},
	}
	for _, tc := range tests {
		if got := core.PluginLimitNames(tc.pkgs...); !slices.Equal(got, tc.want) {
			t.Errorf("PluginLimitNames(%v) = %v, want %v", tc.pkgs, got, tc.want)
		}
	}
	if n := declaringBuilt.Load(); n != 0 {
		t.Errorf("%d plugins built to list their limits", n)
	}
	for _, n := range core.LimitNames() {
		if n == "" || strings.HasPrefix(n, "declared_") {
			t.Errorf("core limit name %q", n)
		}
	}
}

// hostPlugin is a fake plugin that keeps the Host it was initialised with.
type hostPlugin struct {
	*coretest.Plugin
	host core.Host
}

func (p *hostPlugin) Init(ctx context.Context, h core.Host, cfg json.RawMessage) error {
	p.host = h
	return p.Plugin.Init(ctx, h, cfg)
}

// TestHostMaxSDPMLines: a plugin's Host tells it the core's m-line bound,
// default applied and a disabled bound as 0.
func TestHostMaxSDPMLines(t *testing.T) {
	tests := []struct {
		name string
		in   int // Limits.MaxMLines
		want int
	}{
		{"default", 0, core.DefaultMaxMLines},
		{"raised", 200, 200},
		{"disabled", -1, 0},
	}
	for _, tc := range tests {
		p := &hostPlugin{Plugin: coretest.NewPlugin("janus.plugin.coretest.host")}
		g, err := core.New(context.Background(), core.Config{
			Plugins: []string{}, PluginInstances: []core.Plugin{p}, Limits: core.Limits{MaxMLines: tc.in},
			Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		mh, ok := p.host.(interface{ MaxSDPMLines() int })
		if !ok {
			t.Fatalf("%s: the plugin's Host has no MaxSDPMLines", tc.name)
		}
		if got := mh.MaxSDPMLines(); got != tc.want {
			t.Errorf("%s: MaxSDPMLines() = %d, want %d", tc.name, got, tc.want)
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
