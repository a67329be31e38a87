package wire

import (
	"testing"
	"time"
)

func TestOrDefault(t *testing.T) {
	tests := []struct {
		in, want time.Duration
	}{
		{0, time.Second},
		{-1, time.Second},
		{time.Millisecond, time.Millisecond},
	}
	for _, tt := range tests {
		v := tt.in
		OrDefault(&v, time.Second)
		if v != tt.want {
			t.Errorf("OrDefault(%v, 1s) = %v, want %v", tt.in, v, tt.want)
		}
	}
	n := 0
	OrDefault(&n, 7)
	if n != 7 {
		t.Errorf("OrDefault(0, 7) = %d", n)
	}
}
