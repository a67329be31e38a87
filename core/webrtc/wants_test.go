package webrtc

import (
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// pickyRecorder records events and says, like a telemetry.Bus whose sinks'
// masks leave media out, that it does not want type 32.
type pickyRecorder struct{ recorder }

func (r *pickyRecorder) Wants(t telemetry.Type) bool { return t != telemetry.TypeMedia }

// TestMediaReportOnlyWhenWanted: with an emitter that takes no media
// events, the Peer still samples every medium each period (the statistics
// Info and slow-link read) but emits no media report.
func TestMediaReportOnlyWhenWanted(t *testing.T) {
	rec := &pickyRecorder{}
	eng := engineOf(t, Config{Emitter: rec, IncludeLoopback: true, StatsPeriod: 50 * time.Millisecond}, nil)
	peer := newPeer(t, eng, PeerParams{SessionID: 5, HandleID: 6})
	if err := peer.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio, pion.RTPCodecTypeVideo)); err != nil {
		t.Fatal(err)
	}
	samples := func() int {
		peer.mu.Lock()
		defer peer.mu.Unlock()
		return len(peer.state.lastSample)
	}
	testkit.Until(t, 5*time.Second, "both media sampled", func() bool { return samples() == 2 })
	time.Sleep(150 * time.Millisecond) // three more periods
	if got := rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, func(map[string]any) bool { return true }); len(got) != 0 {
		t.Fatalf("%d media reports emitted to an emitter that wants none", len(got))
	}
}
