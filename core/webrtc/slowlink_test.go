package webrtc

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// TestSlowLinkUplink: packets missing from the client's stream are counted
// as lost by mediaWatch (its RFC 3550 loss count) and reported as an
// uplink slow link.
func TestSlowLinkUplink(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	eng, err := NewEngine(Config{
		Emitter: rec, IncludeLoopback: true, StatsPeriod: 100 * time.Millisecond, SlowlinkThreshold: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	peer := newPeer(t, eng, PeerParams{Observer: obs})
	_, track := connect(t, peer)
	testkit.Until(t, 10*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })

	seq := uint16(0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("no slow link")
		}
		for range 3 {
			seq++
			_ = track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: make([]byte, 50)})
		}
		seq += 20 // a burst of 20 lost packets
		time.Sleep(20 * time.Millisecond)
		obs.mu.Lock()
		n := len(obs.slow)
		obs.mu.Unlock()
		if n > 0 {
			break
		}
	}
	obs.mu.Lock()
	first := obs.slow[0]
	obs.mu.Unlock()
	if first != "0/audio/uplink" {
		t.Errorf("slow link = %s", first)
	}
	evs := rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaSlowLink, func(b map[string]any) bool {
		n, _ := b["lost_lastsec"].(int)
		return b["slow_link"] == "uplink" && b["media"] == "audio" && n >= 5
	})
	if len(evs) == 0 {
		t.Error("no slow link event")
	}
	reports := rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, func(b map[string]any) bool {
		lost, _ := b["lost"].(int64)
		q, _ := b["in-link-quality"].(int)
		return lost > 0 && q < 100
	})
	if len(reports) == 0 {
		t.Error("no media report with losses and lowered link quality")
	}
}
