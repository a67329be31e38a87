package echotest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// layerMarkers are the last payload byte of each RID layer's packets.
var layerMarkers = map[string]byte{"l": 40, "m": 41, "h": 42}

// echoed is one packet the client got back.
type echoed struct {
	seq      uint16
	ts       uint32
	marker   byte
	keyframe bool
}

// simClient is a pion client publishing one VP8 m-line with three RID
// layers and recording what is echoed.
type simClient struct {
	pc     *pion.PeerConnection
	sender *pion.RTPSender
	tracks map[string]*pion.TrackLocalStaticRTP
	stop   chan struct{}
	wg     sync.WaitGroup

	mu   sync.Mutex
	got  []echoed
	gotC chan struct{} // signalled on every echoed packet
}

func newSimClient(t *testing.T) *simClient {
	t.Helper()
	me := &pion.MediaEngine{}
	if err := me.RegisterCodec(pion.RTPCodecParameters{
		RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []pion.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}},
		PayloadType: 96,
	}, pion.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{sdp.SDESMidURI, sdp.SDESRTPStreamIDURI} {
		if err := me.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: uri}, pion.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	pc := loopbackClient(t, me)
	c := &simClient{pc: pc, tracks: map[string]*pion.TrackLocalStaticRTP{}, stop: make(chan struct{}), gotC: make(chan struct{}, 1)}
	for _, rid := range []string{"h", "m", "l"} {
		tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "sim", pion.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		c.tracks[rid] = tr
		if rid == "h" {
			c.sender, err = pc.AddTrack(tr)
		} else {
			err = c.sender.AddEncoding(tr)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if len(pkt.Payload) < 2 {
				continue
			}
			c.mu.Lock()
			c.got = append(c.got, echoed{pkt.SequenceNumber, pkt.Timestamp, pkt.Payload[len(pkt.Payload)-1], pkt.Payload[1]&0x01 == 0})
			c.mu.Unlock()
			select {
			case c.gotC <- struct{}{}:
			default:
			}
		}
	})
	return c
}

// startSending sends every layer every 10 ms, tagged with mid and rid;
// every 10th packet of a layer is a VP8 keyframe.
func (c *simClient) startSending(mid string) {
	var midID, ridID uint8
	for _, x := range c.sender.GetParameters().HeaderExtensions {
		switch x.URI {
		case sdp.SDESMidURI:
			midID = uint8(x.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(x.ID)
		}
	}
	c.wg.Add(2)
	go func() { // drain RTCP (PLIs)
		defer c.wg.Done()
		for {
			if _, _, err := c.sender.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	go func() {
		defer c.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := uint16(1); ; i++ {
			select {
			case <-c.stop:
				return
			case <-tick.C:
			}
			for rid, tr := range c.tracks {
				// VP8 descriptor S=1, PID 0; payload header P bit clear
				// on keyframes.
				payload := append([]byte{0x10, 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a}, make([]byte, 100)...)
				if i%10 == 0 {
					payload[1] = 0x10
				}
				payload[len(payload)-1] = layerMarkers[rid]
				// Each layer has its own sequence and timestamp space.
				base := uint16(layerMarkers[rid]) * 1000
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: base + i, Timestamp: uint32(base+i) * 3000}, Payload: payload}
				_ = pkt.SetExtension(midID, []byte(mid))
				_ = pkt.SetExtension(ridID, []byte(rid))
				_ = tr.WriteRTP(pkt)
			}
		}
	}()
}

func (c *simClient) close() {
	close(c.stop)
	_ = c.pc.Close()
	c.wg.Wait()
}

func (c *simClient) snapshot() []echoed {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]echoed(nil), c.got...)
}

// waitEchoed waits until cond holds on what was echoed so far.
func (c *simClient) waitEchoed(t *testing.T, what string, cond func([]echoed) bool) []echoed {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := c.snapshot(); cond(got) {
			return got
		}
		select {
		case <-c.gotC:
		case <-deadline:
			t.Fatalf("timeout waiting for %s; echoed %d packets", what, len(c.snapshot()))
		}
	}
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
	defer c.close()

	negotiate(t, h, s, c.pc, `{"audio":true,"video":true}`)
	c.startSending(c.pc.GetTransceivers()[0].Mid())

	// Default: the highest layer, reported once reached.
	h.Expect(t, `substream 2 event`, func(p coretest.Push) bool { return layerEvent(p, "substream", 2) })
	before := c.waitEchoed(t, "30 packets of the default layer", func(g []echoed) bool { return len(g) >= 30 })
	for i, e := range before {
		if e.marker != layerMarkers["h"] {
			t.Fatalf("packet %d from layer marker %d, want only h (%d)", i, e.marker, layerMarkers["h"])
		}
	}
	if !before[0].keyframe {
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
	all := c.waitEchoed(t, "25 packets of layer l", func(g []echoed) bool {
		for i := n; i < len(g); i++ {
			if g[i].marker == layerMarkers["l"] {
				return len(g)-i >= 25
			}
		}
		return false
	})
	switched := false
	for i, e := range all {
		if i > 0 {
			if e.seq != all[i-1].seq+1 {
				t.Errorf("packet %d: seq %d after %d, want continuous", i, e.seq, all[i-1].seq)
			}
			if int32(e.ts-all[i-1].ts) <= 0 {
				t.Errorf("packet %d: timestamp %d after %d, want increasing", i, e.ts, all[i-1].ts)
			}
		}
		switch {
		case e.marker == layerMarkers["l"] && !switched:
			switched = true
			if !e.keyframe {
				t.Errorf("packet %d: switch to l not at a keyframe", i)
			}
		case switched && e.marker != layerMarkers["l"]:
			t.Fatalf("packet %d from layer marker %d after switching to l", i, e.marker)
		case !switched && e.marker != layerMarkers["h"]:
			t.Fatalf("packet %d from layer marker %d before the switch", i, e.marker)
		}
	}
}
