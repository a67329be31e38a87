package echotest

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// vp8Packet builds a VP8 packet; tid < 0 leaves the temporal info out.
func vp8Packet(seq uint16, keyframe bool, tid int) *rtp.Packet {
	var payload []byte
	if tid < 0 {
		payload = []byte{0x10}
	} else {
		// X=1, S=1; extension byte with T=1; TID in the top two bits.
		payload = []byte{0x90, 0x20, byte(tid) << 6}
	}
	p := byte(0x01)
	if keyframe {
		p = 0x00
	}
	payload = append(payload, p, 0x00, 0x00)
	return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: payload}
}

func TestSimulcastAccept(t *testing.T) {
	now := time.Unix(0, 0)
	tests := []struct {
		name              string
		layer             int
		pkt               *rtp.Packet
		substream, tempor int
		forward           bool
		seq               uint16
		substreamEv       int
		temporalEv        int
		pli               bool
	}{
		{"no layer locked yet, delta frame: PLI", 2, vp8Packet(10, false, -1), 2, 2, false, 0, -1, -1, true},
		{"keyframe of the target locks in", 2, vp8Packet(11, true, -1), 2, 2, true, 11, 2, -1, false},
		{"other layer is dropped", 0, vp8Packet(500, true, -1), 2, 2, false, 0, -1, -1, false},
		{"no temporal info: kept", 2, vp8Packet(12, false, -1), 2, 0, true, 12, -1, -1, false},
		{"TID above target dropped", 2, vp8Packet(13, false, 1), 2, 0, false, 0, -1, -1, false},
		{"TID at target: kept, gap closed, event", 2, vp8Packet(14, false, 0), 2, 0, true, 13, -1, 0, false},
		{"switch target: old layer still flows", 2, vp8Packet(15, false, 0), 0, 0, true, 14, -1, -1, false},
		{"new layer delta: waits", 0, vp8Packet(501, false, 0), 0, 0, false, 0, -1, -1, true},
		{"new layer keyframe: switch, continuous", 0, vp8Packet(502, true, 0), 0, 0, true, 15, 0, -1, false},
		{"old layer after the switch dropped", 2, vp8Packet(16, false, 0), 0, 0, false, 0, -1, -1, false},
		{"new layer continues", 0, vp8Packet(503, false, 0), 0, 0, true, 16, -1, -1, false},
	}
	c := newSimulcast(true)
	c.setOrder([]string{"h", "m", "l"})
	c.layerOf("h", 1002)
	c.layerOf("l", 1000)
	for _, tc := range tests {
		now = now.Add(time.Second)
		v := c.accept(tc.layer, tc.pkt, tc.substream, tc.tempor, now)
		if v.forward != tc.forward || (tc.forward && v.seq != tc.seq) || v.substream != tc.substreamEv || v.temporalNow != tc.temporalEv || (v.pli != 0) != tc.pli {
			t.Errorf("%s: verdict %+v", tc.name, v)
		}
	}
}

func TestLayerOf(t *testing.T) {
	tests := []struct {
		sdp, arrival []string
		want         []int // by arrival
	}{
		{[]string{"h", "m", "l"}, []string{"l", "h", "m"}, []int{0, 2, 1}},
		{[]string{"q", "h", "f"}, []string{"h", "f", "q"}, []int{1, 2, 0}},
		{[]string{"a", "b", "c"}, []string{"c", "b", "a"}, []int{0, 1, 2}},
		{[]string{"hi", "lo"}, []string{"lo", "hi"}, []int{0, 1}},
		{nil, []string{"x", "y"}, []int{0, 1}},
	}
	for _, tc := range tests {
		c := newSimulcast(true)
		c.setOrder(tc.sdp)
		for i, rid := range tc.arrival {
			if got := c.layerOf(rid, uint32(i+1)); got != tc.want[i] {
				t.Errorf("sdp %v: layerOf(%s) = %d, want %d", tc.sdp, rid, got, tc.want[i])
			}
		}
	}
}
