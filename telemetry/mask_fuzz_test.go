package telemetry_test

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

func FuzzParseMask(f *testing.F) {
	for _, s := range []string{"", "all", "none", "sessions,handles", " WebRTC , media", "core,,bogus", "jsep,all"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := telemetry.ParseMask(s)
		if m != telemetry.MaskAll && m&^511 != 0 {
			t.Fatalf("ParseMask(%q) set unknown bits: %#x", s, uint32(m))
		}
		if back := telemetry.ParseMask(m.String()); back != m {
			t.Fatalf("round trip of %q: %v → %#x", s, m, uint32(back))
		}
	})
}
