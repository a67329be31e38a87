package core_test

import (
	"sync"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// TestConcurrentRequestsConcurrentSafe runs many requests on one session at
// once, then destroys it while messages may still be in flight.
func TestConcurrentRequestsConcurrentSafe(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(e.c)
	hs := []uint64{e.attach(s, pluginA), e.attach(s, pluginA)}
	reqs := []string{
		`{"janus":"message","transaction":"m","session_id":%d,"handle_id":%d,"body":{"request":"async"}}`,
		`{"janus":"message","transaction":"m","session_id":%d,"handle_id":%d,"body":{"request":"sync"}}`,
		`{"janus":"trickle","transaction":"t","session_id":%d,"handle_id":%d,"candidate":null}`,
		`{"janus":"hangup","transaction":"t","session_id":%d,"handle_id":%d}`,
		`{"janus":"keepalive","transaction":"t","session_id":%d,"handle_id":%d}`,
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := e.req(e.c, core.PathIDs{}, reqs[i%len(reqs)], s, hs[i%2])
			if m["janus"] == "error" {
				t.Errorf("request %d: %v", i, m)
			}
			_ = e.g.Counts()
			_ = e.admin(`{"janus":"handle_info","transaction":"x","session_id":%d,"handle_id":%d}`, s, hs[i%2])
		}()
	}
	wg.Wait()
	var wg2 sync.WaitGroup
	for i := range 10 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			e.req(e.c, core.PathIDs{}, reqs[0], s, hs[i%2])
		}()
	}
	e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"d","session_id":%d}`, s)
	wg2.Wait()
	if c := e.g.Counts(); c.Sessions != 0 || c.Handles != 0 {
		t.Fatalf("counts after destroy: %+v", c)
	}
}

// TestConcurrentEndsConcurrentSafe ends one session from several places at
// once: exactly one session event and one SessionOver result.
func TestConcurrentEndsConcurrentSafe(t *testing.T) {
	e := newEnv(t, nil)
	s := e.create(e.c)
	e.attach(s, pluginA)
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"d","session_id":%d}`, s)
			case 1:
				e.admin(`{"janus":"destroy_session","transaction":"d","session_id":%d}`, s)
			default:
				e.g.TransportGone(e.c)
			}
		}()
	}
	wg.Wait()
	if n := len(e.rec.find(telemetry.TypeSession, `"name":"destroyed"`)); n != 1 {
		t.Fatalf("%d destroyed events", n)
	}
	if n := len(e.rec.find(telemetry.TypeHandle, `"name":"detached"`)); n != 1 {
		t.Fatalf("%d detached events", n)
	}
	if n := len(e.c.Overs()); n != 1 {
		t.Fatalf("%d SessionOver calls", n)
	}
}
