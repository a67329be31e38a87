package history

import (
	"math/rand/v2"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestRingMatchesModel pushes events of random sizes into rings with both
// bounds and compares each with a plain slice trimmed the same way:
// oldest first, at most cap events, at most maxBytes unless one event.
func TestRingMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ cap, maxBytes int }{{1, 0}, {5, 0}, {5, 100}, {50, 300}, {8, 30}} {
		r := newRing(c.cap, c.maxBytes)
		var model []slot
		for i := range 2000 {
			s := slot{e: &telemetry.Event{Timestamp: int64(i)}, size: rng.IntN(60)}
			r.push(s.e, s.size)
			model = append(model, s)
			for len(model) > c.cap {
				model = model[1:]
			}
			for c.maxBytes > 0 && len(model) > 1 && total(model) > c.maxBytes {
				model = model[1:]
			}
			got := r.slice()
			if len(got) != len(model) || r.bytes != total(model) {
				t.Fatalf("%+v push %d: %d events (%d bytes), want %d (%d bytes)", c, i, len(got), r.bytes, len(model), total(model))
			}
			for j := range got {
				if got[j] != model[j].e {
					t.Fatalf("%+v push %d: event %d is %d, want %d", c, i, j, got[j].Timestamp, model[j].e.Timestamp)
				}
			}
		}
	}
}

func total(s []slot) int {
	n := 0
	for _, x := range s {
		n += x.size
	}
	return n
}
