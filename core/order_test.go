package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/telemetry"
)

// destroyOnDetached is a client that destroys its session inside Push
// when it reads "detached", as a client that ends its session the moment
// its last handle is gone can, before the core's next line.
type destroyOnDetached struct {
	*coretest.Client
	g *core.Gateway
}

func (c *destroyOnDetached) Push(s core.SessionID, msg []byte) {
	c.Client.Push(s, msg)
	if coretest.Decode(msg)["janus"] == "detached" {
		c.g.HandleJanus(context.Background(), c, fmt.Appendf(nil, `{"janus":"destroy","transaction":"x","session_id":%d}`, uint64(s)), core.PathIDs{})
	}
}

// TestDetachedEventBeforeQuickDestroy: the handle's "detached" event
// comes before the session's "destroyed", even when the client destroys
// the session on reading the "detached" push.
func TestDetachedEventBeforeQuickDestroy(t *testing.T) {
	e := newEnv(t, nil)
	c := &destroyOnDetached{Client: e.c, g: e.g}
	m := e.req(c, core.PathIDs{}, `{"janus":"create","transaction":"c"}`)
	s := num(t, m["data"].(map[string]any)["id"])
	m = e.req(c, core.PathIDs{}, `{"janus":"attach","transaction":"a","session_id":%d,"plugin":%q}`, s, pluginA)
	h := num(t, m["data"].(map[string]any)["id"])
	if m := e.req(c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h); m["janus"] != "success" {
		t.Fatalf("detach: %v", m)
	}
	var order []string
	for _, ev := range e.rec.Events() {
		if ev.SessionID != s || (ev.Type != telemetry.TypeHandle && ev.Type != telemetry.TypeSession) {
			continue
		}
		var body struct{ Name string }
		b, _ := json.Marshal(ev.Body)
		_ = json.Unmarshal(b, &body)
		order = append(order, body.Name)
	}
	want := []string{"created", "attached", "detached", "destroyed"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", order, want)
	}
}
