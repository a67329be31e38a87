package echotest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testpeer"
)

// layerMarkers are the last payload byte of each RID layer's packets.
var layerMarkers = map[string]byte{"l": 40, "m": 41, "h": 42}

// simClient is a testpeer client publishing one VP8 m-line with three
// RID layers and recording, in order, what is echoed.
type simClient struct {
	*testpeer.Peer
	sim *testpeer.Simulcast
	rec *testpeer.Recorder
}

func newSimClient(t *testing.T) *simClient {
	t.Helper()
	rec := testpeer.NewRecorder(2000)
	p, err := testpeer.New(testpeer.Config{
		Feedback:        []pion.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}},
		VideoExtensions: testpeer.SimulcastExtensions(),
		Extra:           []interceptor.Factory{rec},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	sim, err := p.AddSimulcast("h", "m", "l")
	if err != nil {
		t.Fatal(err)
	}
	return &simClient{Peer: p, sim: sim, rec: rec}
}

// startSending sends every layer every 10 ms, each in its own sequence
// and timestamp space, tagged with its marker; every 10th frame of a
// layer is a VP8 keyframe.
func (c *simClient) startSending(t *testing.T) {
	t.Helper()
	bases := map[string]uint16{}
	for rid, m := range layerMarkers {
		bases[rid] = uint16(m) * 1000
	}
	if err := c.sim.Start(testpeer.SimulcastMedia{Interval: 10 * time.Millisecond, KeyEvery: 10, Tags: layerMarkers, SeqBases: bases}); err != nil {
		t.Fatal(err)
	}
}

// waitEchoed waits until cond holds on what was echoed so far.
func (c *simClient) waitEchoed(t *testing.T, what string, cond func([]testpeer.Received) bool) []testpeer.Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := c.rec.Wait(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return got
}

func layerEvent(p coretest.Push, key string, layer float64) bool {
	return p.Data["echotest"] == "event" && p.Data["videocodec"] == "vp8" && p.Data[key] == layer && len(p.Data) == 3
}

// TestSimulcastSwitch: of three RID layers only the highest is echoed by
// default; substream 0 switches the echo to the lowest layer, at one of
// its keyframes, with continuous sequence numbers, and tells the client.
func TestSimulcastSwitch(t *testing.T) {
	h, _, s := setup(t)
	c := newSimClient(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, _ := sendOffer(ctx, t, h, s, c.Peer)
	if p.Data["result"] != "ok" || p.JSEP == nil {
		t.Fatalf("push = %+v", p)
	}
	if err := c.SetAnswer(p.JSEP.SDP); err != nil {
		t.Fatal(err)
	}
	c.startSending(t)

	// Default: the highest layer, reported once reached.
	h.Expect(t, `substream 2 event`, func(p coretest.Push) bool { return layerEvent(p, "substream", 2) })
	before := c.waitEchoed(t, "30 packets of the default layer", func(g []testpeer.Received) bool { return len(g) >= 30 })
	for i, e := range before {
		if e.Last != layerMarkers["h"] {
			t.Fatalf("packet %d from layer marker %d, want only h (%d)", i, e.Last, layerMarkers["h"])
		}
	}
	if !before[0].KeyFrame {
		t.Errorf("echo did not start at a keyframe")
	}

	res := s.HandleMessage(context.Background(), core.Message{Transaction: "t2", Body: json.RawMessage(`{"substream":0}`)})
	if !res.Ack {
		t.Fatalf("result = %+v", res)
	}
	gotOK, gotEvent := false, false
	for !gotOK || !gotEvent {
		p := h.Expect(t, "result ok and substream 0 event", func(p coretest.Push) bool {
			return p.Transaction == "t2" && p.Data["result"] == "ok" || layerEvent(p, "substream", 0)
		})
		gotOK = gotOK || p.Data["result"] == "ok"
		gotEvent = gotEvent || layerEvent(p, "substream", 0)
	}
	n := len(before)
	all := c.waitEchoed(t, "25 packets of layer l", func(g []testpeer.Received) bool {
		for i := n; i < len(g); i++ {
			if g[i].Last == layerMarkers["l"] {
				return len(g)-i >= 25
			}
		}
		return false
	})
	switched := false
	for i, e := range all {
		if i > 0 {
			if e.Seq != all[i-1].Seq+1 {
				t.Errorf("packet %d: seq %d after %d, want continuous", i, e.Seq, all[i-1].Seq)
			}
			if int32(e.Timestamp-all[i-1].Timestamp) <= 0 {
				t.Errorf("packet %d: timestamp %d after %d, want increasing", i, e.Timestamp, all[i-1].Timestamp)
			}
		}
		switch {
		case e.Last == layerMarkers["l"] && !switched:
			switched = true
			if !e.KeyFrame {
				t.Errorf("packet %d: switch to l not at a keyframe", i)
			}
		case switched && e.Last != layerMarkers["l"]:
			t.Fatalf("packet %d from layer marker %d after switching to l", i, e.Last)
		case !switched && e.Last != layerMarkers["h"]:
			t.Fatalf("packet %d from layer marker %d before the switch", i, e.Last)
		}
	}
}
