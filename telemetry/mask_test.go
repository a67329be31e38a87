package telemetry_test

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

func TestParseMask(t *testing.T) {
	tests := []struct {
		in   string
		want telemetry.Mask
	}{
		{"", telemetry.MaskNone},
		{"none", telemetry.MaskNone},
		{"no_events", telemetry.MaskNone},
		{"all", telemetry.MaskAll},
		{"ALL", telemetry.MaskAll},
		{"sessions", 1},
		{"handles", 2},
		{"external", 4},
		{"jsep", 8},
		{"webrtc", 16},
		{"media", 32},
		{"plugins", 64},
		{"transports", 128},
		{"core", 256},
		{"sessions,handles", 3},
		{" Sessions , WEBRTC ,media ", 1 | 16 | 32},
		{"sessions,bogus,core", 1 | 256},
		{"bogus", telemetry.MaskNone},
		{"none,jsep", 8},
		{"jsep,all", telemetry.MaskAll},
		{"sessions,handles,external,jsep,webrtc,media,plugins,transports,core", 511},
	}
	for _, tt := range tests {
		if got := telemetry.ParseMask(tt.in); got != tt.want {
			t.Errorf("ParseMask(%q) = %#x, want %#x", tt.in, uint32(got), uint32(tt.want))
		}
	}
}

func TestMaskString(t *testing.T) {
	tests := []struct {
		in   telemetry.Mask
		want string
	}{
		{telemetry.MaskNone, "none"},
		{telemetry.MaskAll, "all"},
		{1, "sessions"},
		{1 | 256, "sessions,core"},
		{511, "sessions,handles,external,jsep,webrtc,media,plugins,transports,core"},
		{1 | 0x1000, "sessions,0x1000"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Mask(%#x).String() = %q, want %q", uint32(tt.in), got, tt.want)
		}
		if tt.in&^511 == 0 || tt.in == telemetry.MaskAll {
			if back := telemetry.ParseMask(tt.want); back != tt.in {
				t.Errorf("round trip of %q = %#x, want %#x", tt.want, uint32(back), uint32(tt.in))
			}
		}
	}
}

func TestMaskHas(t *testing.T) {
	m := telemetry.ParseMask("webrtc,media")
	if !m.Has(telemetry.TypeWebRTC) || !m.Has(telemetry.TypeMedia) || m.Has(telemetry.TypeSession) {
		t.Fatalf("Has wrong for %v", m)
	}
}
