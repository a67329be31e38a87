package shrink

import (
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	const window = 100 * time.Millisecond
	type step struct {
		live, size int
		at         time.Duration
		want       bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a full ring never halves", []step{{64, 64, 0, false}, {64, 64, time.Second, false}}},
		{"low for a whole window halves", []step{{1, 64, 0, false}, {1, 64, 50 * time.Millisecond, false}, {1, 64, window, true}}},
		{"and then needs another window", []step{{1, 64, 0, false}, {1, 64, window, true}, {1, 32, window + time.Millisecond, false}, {1, 32, 2 * window, true}}},
		{"a busy moment restarts the wait", []step{{1, 64, 0, false}, {20, 64, 90 * time.Millisecond, false}, {1, 64, 95 * time.Millisecond, false}, {1, 64, window + 10*time.Millisecond, false}, {1, 64, 195 * time.Millisecond, true}}},
		{"the minimum never halves", []step{{0, 16, 0, false}, {0, 16, time.Second, false}}},
		{"a quarter full is not low", []step{{16, 64, 0, false}, {16, 64, time.Second, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g Gate
			for i, s := range tt.steps {
				if got := g.Halve(s.live, s.size, 16, s.at, window); got != s.want {
					t.Fatalf("step %d (%d of %d at %v): halve %v", i, s.live, s.size, s.at, got)
				}
			}
		})
	}
}

// TestSpares: buffers given come back empty with their storage, last
// given first; Trim keeps the first ones, Reset drops all.
func TestSpares(t *testing.T) {
	var s Spares
	if b := s.Take(); b != nil || s.Len() != 0 {
		t.Fatalf("empty: %v, %d", b, s.Len())
	}
	a, b, c := make([]byte, 3, 10), make([]byte, 5, 20), make([]byte, 1, 30)
	s.Give(a)
	s.Give(b)
	s.Give(c)
	if got := s.Take(); len(got) != 0 || cap(got) != 30 {
		t.Fatalf("take: len %d cap %d, want the last given, emptied", len(got), cap(got))
	}
	s.Give(c)
	s.Trim(1)
	if s.Len() != 1 {
		t.Fatalf("trimmed to %d, want 1", s.Len())
	}
	if got := s.Take(); cap(got) != 10 {
		t.Fatalf("after trim: cap %d, want the first given", cap(got))
	}
	s.Give(a)
	s.Trim(5) // fewer than keep: unchanged
	s.Reset()
	if s.Len() != 0 || s.Take() != nil {
		t.Fatal("reset left spares")
	}
}
