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

const registered = "janus.plugin.coretest.registered"

var registeredInst = coretest.NewPlugin(registered)

func init() {
	core.RegisterPlugin(registered, func() core.Plugin { return registeredInst })
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
