package transports

import (
	"maps"
	"sync"
	"testing"
)

// TestRefusals: each registered transport's declared reasons count from
// 0; an undeclared reason counts as other, which shows once it counted;
// a transport that declares none exports nothing until it counts; an
// unregistered package's counter is nil and counts nothing.
func TestRefusals(t *testing.T) {
	// The registry is global; use names no transport registers, once per
	// process (-count).
	for _, r := range []Registration{{Package: "test.refusals.socket", Refuses: []string{ReasonLimit, ReasonClosing}},
		{Package: "test.refusals.broker"}} {
		if _, ok := Lookup(r.Package); !ok {
			Register(r)
		}
	}
	r := NewRefusals()
	sock, brk := r.For("test.refusals.socket"), r.For("test.refusals.broker")
	if got := sock.Counts(); !maps.Equal(got, map[string]uint64{ReasonLimit: 0, ReasonClosing: 0}) {
		t.Errorf("socket at start: %v", got)
	}
	if got := brk.Counts(); got != nil {
		t.Errorf("broker at start: %v, want none", got)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				sock.Refused(ReasonLimit)
				sock.Refused("no-such-reason")
			}
		})
	}
	wg.Wait()
	brk.Refused(ReasonOrigin)
	if got := sock.Counts(); !maps.Equal(got, map[string]uint64{ReasonLimit: 800, ReasonClosing: 0, ReasonOther: 800}) {
		t.Errorf("socket: %v", got)
	}
	if got := brk.Counts(); !maps.Equal(got, map[string]uint64{ReasonOther: 1}) {
		t.Errorf("broker: %v", got)
	}
	if sock.Count(ReasonLimit) != 800 || sock.Count("no-such-reason") != 0 {
		t.Errorf("Count: limit %d, unknown %d", sock.Count(ReasonLimit), sock.Count("no-such-reason"))
	}
	none := r.For("test.refusals.unregistered")
	if none != nil {
		t.Fatalf("unregistered package has a counter")
	}
	none.Refused(ReasonLimit) // a nil counter counts nothing, without panicking
	if none.Count(ReasonLimit) != 0 || none.Counts() != nil {
		t.Error("nil counter counted")
	}
	var nilSet *Refusals
	if nilSet.For("test.refusals.socket") != nil {
		t.Error("nil Refusals has a counter")
	}
}
