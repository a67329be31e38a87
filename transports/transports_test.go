package transports

import (
	"testing"

	"github.com/argusrtc/argus/core"
)

func TestRegistry(t *testing.T) {
	// The registry is global; use names no transport registers, and
	// leave it as it was (go test -count=N runs this again).
	t.Cleanup(func() {
		regMu.Lock()
		delete(regs, "test.transport.a")
		delete(regs, "test.transport.b")
		regMu.Unlock()
	})
	Register(Registration{Package: "test.transport.b", Info: Module("B", "b")})
	Register(Registration{Package: "test.transport.a", Info: Module("A", "a")})
	var got []string
	for _, r := range Registered() {
		got = append(got, r.Package)
	}
	ia, ib := -1, -1
	for i, p := range got {
		switch p {
		case "test.transport.a":
			ia = i
		case "test.transport.b":
			ib = i
		}
	}
	if ia < 0 || ib < 0 || ia > ib {
		t.Fatalf("Registered() = %v", got)
	}
	r, ok := Lookup("test.transport.a")
	d := r.Desc()
	if !ok || d.Package != "test.transport.a" || d.Name != "A" || d.Author != core.Author || d.Version != core.Version {
		t.Fatalf("Lookup: %+v %v", d, ok)
	}
	for _, bad := range []Registration{{Package: ""}, {Package: "test.transport.a"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", bad.Package)
				}
			}()
			Register(bad)
		}()
	}
}
