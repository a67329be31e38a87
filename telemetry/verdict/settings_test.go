package verdict

import (
	"errors"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestFromSettings(t *testing.T) {
	const keys = "events=all loss_pct=3 jitter_ms=30 rtt_ms=300 max_sessions=10000"
	if got := telemetrytest.OptionList(SinkName); got != keys {
		t.Fatalf("documented options %q, want %q", got, keys)
	}
	tests := []struct {
		name     string
		settings map[string]string
		th       Thresholds
		sessions int
		wantErr  bool
	}{
		{"defaults", map[string]string{"events": "all", "enabled": "true"}, DefaultThresholds(), 10000, false},
		{"all", map[string]string{"loss_pct": "1.5", "jitter_ms": " 20", "rtt_ms": "150", "max_sessions": "7"},
			Thresholds{LossPct: 1.5, JitterMs: 20, RTTMs: 150}, 7, false},
		{"bad float", map[string]string{"loss_pct": "x"}, Thresholds{}, 0, true},
		{"bad int", map[string]string{"rtt_ms": "1.5"}, Thresholds{}, 0, true},
		{"negative loss", map[string]string{"loss_pct": "-1"}, Thresholds{}, 0, true},
		{"NaN jitter", map[string]string{"jitter_ms": "NaN"}, Thresholds{}, 0, true},
		{"infinite loss", map[string]string{"loss_pct": "+Inf"}, Thresholds{}, 0, true},
		{"negative rtt", map[string]string{"rtt_ms": "-5"}, Thresholds{}, 0, true},
		{"no sessions", map[string]string{"max_sessions": "0"}, Thresholds{}, 0, true},
		{"zero thresholds", map[string]string{"loss_pct": "0", "jitter_ms": "0", "rtt_ms": "0", "max_sessions": "1"}, Thresholds{}, 1, false},
		{"unknown", map[string]string{"loss": "1"}, Thresholds{}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FromSettings(telemetry.SinkConfig{Emitter: telemetrytest.NewEmitter(), Settings: tc.settings})
			if tc.wantErr {
				if !errors.Is(err, ErrUnknownSetting) {
					t.Fatalf("err %v, want ErrUnknownSetting", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tr := s.(*Sink).tracker
			if tr.th != tc.th || tr.lim.Sessions != tc.sessions {
				t.Fatalf("thresholds %+v, sessions %d", tr.th, tr.lim.Sessions)
			}
		})
	}
}
