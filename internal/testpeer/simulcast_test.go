package testpeer

import (
	"context"
	"testing"
	"time"

	"github.com/pion/interceptor"
)

// TestSimulcastRecorded sends two RID layers to a pion answerer and
// checks, in the order the Recorder kept them, each layer's tag, its own
// sequence space and its key frame cadence.
func TestSimulcastRecorded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := newPeer(t, Config{VideoExtensions: SimulcastExtensions()})
	sim, err := a.AddSimulcast("h", "l")
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(400)
	connect(t, ctx, a, newPeer(t, Config{VideoExtensions: SimulcastExtensions(), Extra: []interceptor.Factory{rec}}))
	tags := map[string]byte{"h": 42, "l": 40}
	if err := sim.Start(SimulcastMedia{Interval: 10 * time.Millisecond, KeyEvery: 5, Tags: tags, SeqBases: map[string]uint16{"h": 42000, "l": 40000}}); err != nil {
		t.Fatal(err)
	}
	got, err := rec.Wait(ctx, func(g []Received) bool {
		n := map[byte]int{}
		for _, p := range g {
			n[p.Last]++
		}
		return n[42] >= 20 && n[40] >= 20
	})
	if err != nil {
		t.Fatal(err)
	}
	last := map[byte]Received{}
	for i, p := range got {
		base, ok := map[byte]uint16{42: 42000, 40: 40000}[p.Last]
		if !ok {
			t.Fatalf("packet %d: tag %d of no layer", i, p.Last)
		}
		frame := int(p.Seq - base)
		if p.Timestamp != uint32(p.Seq)*3000 {
			t.Errorf("packet %d: timestamp %d for seq %d", i, p.Timestamp, p.Seq)
		}
		if want := frame%5 == 0; p.KeyFrame != want {
			t.Errorf("packet %d: frame %d key frame %v, want %v", i, frame, p.KeyFrame, want)
		}
		if prev, ok := last[p.Last]; ok && p.SSRC != prev.SSRC {
			t.Errorf("packet %d: layer %d changed SSRC", i, p.Last)
		}
		last[p.Last] = p
	}
	if last[42].SSRC == last[40].SSRC {
		t.Errorf("both layers on SSRC %d", last[42].SSRC)
	}
	for rid := range tags { // 20 arrived; the last may still be on its way into the counter
		if c := sim.Sent(rid); c.Packets.Load() < 19 || c.Errors.Load() != 0 {
			t.Errorf("layer %s: sent %d packets, %d errors", rid, c.Packets.Load(), c.Errors.Load())
		}
	}
}
