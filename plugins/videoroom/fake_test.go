package videoroom

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// findEvents returns the recorded events whose "event" (or "videoroom") is name.
func findEvents(h *coretest.Host, name string) []coretest.HostEvent {
	var out []coretest.HostEvent
	for _, e := range h.Events() {
		if e.Data["event"] == name || e.Data["videoroom"] == name {
			out = append(out, e)
		}
	}
	return out
}

// roundTrip renders data as a client sees it (numbers become float64).
func roundTrip(data any) map[string]any {
	m, ok := coretest.ClientJSON(data)
	if !ok {
		panic("not a JSON object")
	}
	return m
}

// fixture is a plugin with a fake host and an engine for fake handles.
type fixture struct {
	t    *testing.T
	p    *Plugin
	host *coretest.Host
	eng  *webrtc.Engine
	next core.HandleID
}

func newFixture(t *testing.T, cfg string) *fixture {
	t.Helper()
	return newFixtureOn(t, cfg, webrtc.Config{}, nil)
}

// newFixtureOn is newFixture whose plugin sees host instead of the
// recording host; host records through f.host. Nil means f.host.
func newFixtureOn(t *testing.T, cfg string, ecfg webrtc.Config, host func(rec *coretest.Host) core.Host) *fixture {
	t.Helper()
	eng := coretest.Engine(t, ecfg)
	f := &fixture{t: t, p: New(), host: &coretest.Host{}, eng: eng, next: 10}
	var raw json.RawMessage
	if cfg != "" {
		raw = json.RawMessage(cfg)
	}
	var h core.Host = f.host
	if host != nil {
		h = host(f.host)
	}
	if err := f.p.Init(t.Context(), h, raw); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.p.Destroy(context.Background())
		_ = eng.Close()
	})
	return f
}

// handle attaches a new fake handle.
func (f *fixture) handle() (*coretest.Handle, core.PluginSession) {
	f.t.Helper()
	h := f.newHandle()
	return h, f.attach(h)
}

// newHandle is the next fake handle, not attached yet.
func (f *fixture) newHandle() *coretest.Handle {
	f.next++
	return coretest.NewHandle(f.next, "videoroom-test", f.eng)
}

// fakeHandle is a coretest handle, or one a test wraps around it.
type fakeHandle interface {
	core.Handle
	Attach(s core.PluginSession)
	ClosePeer()
}

// attach starts a plugin session on h, ended with the test.
func (f *fixture) attach(h fakeHandle) core.PluginSession {
	f.t.Helper()
	s, err := f.p.NewSession(h)
	if err != nil {
		f.t.Fatal(err)
	}
	h.Attach(s)
	f.t.Cleanup(func() {
		h.ClosePeer()
		s.Destroy()
	})
	return s
}

// sync sends a synchronous request and returns its data.
func (f *fixture) sync(s core.PluginSession, body string) map[string]any {
	f.t.Helper()
	res := s.HandleMessage(context.Background(), core.Message{Transaction: "s", Body: json.RawMessage(body)})
	if res.Ack || res.Error != "" {
		f.t.Fatalf("%s: result = %+v, want sync data", body, res)
	}
	return roundTrip(res.Data)
}

// async sends an async request and returns its event.
func (f *fixture) async(h *coretest.Handle, s core.PluginSession, body string, jsep *core.JSEP) coretest.Push {
	f.t.Helper()
	res := s.HandleMessage(context.Background(), core.Message{Transaction: "a", Body: json.RawMessage(body), JSEP: jsep})
	if !res.Ack {
		f.t.Fatalf("%s: result = %+v, want ack", body, res)
	}
	return h.ExpectTx(f.t, "a")
}
