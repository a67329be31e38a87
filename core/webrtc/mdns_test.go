package webrtc

import (
	"bytes"
	"context"
	"log/slog"
	"runtime/pprof"
	"strings"
	"testing"
)

// TestNoMDNS: a connected Peer runs no pion mDNS goroutine (the test
// client has mDNS off too), and pion's warning for an ignored ".local"
// candidate is logged at debug level, not as a warning.
func TestNoMDNS(t *testing.T) {
	peer := newPeer(t, testEngine(t, &recorder{}), PeerParams{SessionID: 1, HandleID: 2, Observer: &observer{}})
	connect(t, peer)
	var dump bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&dump, 1); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump.String(), "github.com/pion/mdns") {
		t.Fatalf("pion mDNS goroutines running:\n%s", dump.String())
	}

	tests := []struct {
		format string
		want   slog.Level
	}{
		{"Remote mDNS candidate added, but mDNS is disabled: (%s)", slog.LevelDebug},
		{"Failed to %s", slog.LevelWarn},
	}
	for _, tt := range tests {
		h := &levelHandler{}
		pionLogs{log: slog.New(h)}.NewLogger("ice").Warnf(tt.format, "x.local")
		if len(h.levels) != 1 || h.levels[0] != tt.want {
			t.Errorf("Warnf(%q) logged at %v, want %v", tt.format, h.levels, tt.want)
		}
	}
}

// levelHandler records the level of each record it gets (all enabled).
type levelHandler struct{ levels []slog.Level }

func (h *levelHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelHandler) Handle(_ context.Context, r slog.Record) error {
	h.levels = append(h.levels, r.Level)
	return nil
}
func (h *levelHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelHandler) WithGroup(string) slog.Handler      { return h }
