package webrtc

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// TestTWCCFeedback reads packets carrying transport-wide sequence numbers
// through the Engine's chain and checks the transport-cc feedback written:
// every packet reported once, from the first sequence number, for the
// stream's SSRC. A stream without the extension gets none.
func TestTWCCFeedback(t *testing.T) {
	noExt := twccVideo
	noExt.RTPHeaderExtensions = nil
	tests := []struct {
		name    string
		info    interceptor.StreamInfo
		packets int
		want    int // packets reported
	}{
		{"transport-cc negotiated", twccVideo, 40, 40},
		{"no transport-wide sequence extension", noExt, 40, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var reports []*rtcp.TransportLayerCC
			chain, _ := buildChain(t, true, interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range pkts {
					if cc, ok := p.(*rtcp.TransportLayerCC); ok {
						reports = append(reports, cc)
					}
				}
				return len(pkts), nil
			}))
			r := chain.BindRemoteStream(&tt.info, newPacketSource(tt.info.SSRC))
			buf := make([]byte, 1500)
			for range tt.packets {
				if _, _, err := r.Read(buf, nil); err != nil {
					t.Fatal(err)
				}
			}
			reported := func() (n int, first uint16, ssrc uint32) {
				mu.Lock()
				defer mu.Unlock()
				for i, cc := range reports {
					if i == 0 {
						first, ssrc = cc.BaseSequenceNumber, cc.MediaSSRC
					}
					n += int(cc.PacketStatusCount)
				}
				return n, first, ssrc
			}
			deadline := time.Now().Add(5 * time.Second)
			for n, _, _ := reported(); n < tt.want && time.Now().Before(deadline); n, _, _ = reported() {
				time.Sleep(20 * time.Millisecond)
			}
			if tt.want == 0 {
				time.Sleep(3 * twccInterval) // a report would have gone out by now
			}
			if err := chain.Close(); err != nil {
				t.Fatal(err)
			}
			n, first, ssrc := reported()
			if n != tt.want {
				t.Fatalf("%d packets reported, want %d", n, tt.want)
			}
			if tt.want > 0 && (first != 1 || ssrc != tt.info.SSRC) {
				t.Fatalf("first report from sequence %d for SSRC %d, want 1 for %d", first, ssrc, tt.info.SSRC)
			}
		})
	}
}

// scheduled counts the tasks on tk.
func scheduled(tk *rtcpTicker) int {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return len(tk.tasks)
}

// TestTWCCLoopWaitsForStream: the feedback joins the Engine's ticker only
// once the RTCP writer and a received stream negotiating transport-cc are
// both bound, in either order, and not after Close.
func TestTWCCLoopWaitsForStream(t *testing.T) {
	noExt := twccVideo
	noExt.RTPHeaderExtensions = nil
	out := interceptor.RTCPWriterFunc(func(p []rtcp.Packet, _ interceptor.Attributes) (int, error) { return len(p), nil })
	tests := []struct {
		name        string
		streams     []interceptor.StreamInfo
		streamFirst bool // bind the stream before the RTCP writer
		closeFirst  bool // Close before binding anything
		loops       int
	}{
		{name: "no received stream (a subscriber)", loops: 0},
		{name: "stream without transport-cc", streams: []interceptor.StreamInfo{noExt}, loops: 0},
		{name: "transport-cc stream", streams: []interceptor.StreamInfo{twccVideo}, loops: 1},
		{name: "stream before the writer", streams: []interceptor.StreamInfo{twccVideo}, streamFirst: true, loops: 1},
		{name: "two streams, one loop", streams: []interceptor.StreamInfo{twccVideo, twccVideo}, loops: 1},
		{name: "closed before", streams: []interceptor.StreamInfo{twccVideo}, closeFirst: true, loops: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := newRTCPTicker()
			t.Cleanup(tk.close)
			i, err := twccFactory{ticker: tk}.NewInterceptor("pc")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = i.Close() })
			if tc.closeFirst {
				_ = i.Close()
			}
			if !tc.streamFirst {
				i.BindRTCPWriter(out)
			}
			for k := range tc.streams {
				i.BindRemoteStream(&tc.streams[k], newPacketSource(tc.streams[k].SSRC))
			}
			if tc.streamFirst {
				i.BindRTCPWriter(out)
			}
			if got := scheduled(tk); got != tc.loops {
				t.Fatalf("%d feedback tasks on the ticker, want %d", got, tc.loops)
			}
			if err := i.Close(); err != nil {
				t.Fatal(err)
			}
			if got := scheduled(tk); got != 0 {
				t.Fatalf("%d feedback tasks on the ticker after Close", got)
			}
		})
	}
}

// pionTransportSeq is what transportSeq must agree with: pion's header
// parse and extension look-up, as the TWCC recorder used before.
func pionTransportSeq(b []byte, id uint8) (uint32, uint16, bool) {
	var h rtp.Header
	if _, err := h.Unmarshal(b); err != nil {
		return 0, 0, false
	}
	ext := h.GetExtension(id)
	if len(ext) < 2 {
		return 0, 0, false
	}
	return h.SSRC, uint16(ext[0])<<8 | uint16(ext[1]), true
}

// twccPacket marshals a packet with the given extensions in the one-byte
// or two-byte form (pion picks the profile from SetExtension's first call).
func twccPacket(t testing.TB, profile uint16, csrc int, exts map[uint8][]byte, order []uint8) []byte {
	t.Helper()
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 7, Timestamp: 9, SSRC: 0xdeadbeef, CSRC: make([]uint32, csrc)}
	if len(exts) > 0 {
		h.Extension, h.ExtensionProfile = true, profile
	}
	for _, id := range order {
		if err := h.SetExtension(id, exts[id]); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := (&rtp.Packet{Header: h, Payload: []byte{1, 2, 3, 4}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// transportSeq reads the transport-wide sequence number straight from the
// raw packet; it must give what pion's parser gives, for well-formed
// packets of both extension forms and for every corruption of them.
func TestTransportSeq(t *testing.T) {
	tests := []struct {
		name    string
		raw     []byte
		id      uint8
		wantSeq uint16
		ok      bool
	}{
		{"one-byte, only twcc", twccPacket(t, 0xBEDE, 0, map[uint8][]byte{5: {0x12, 0x34}}, []uint8{5}), 5, 0x1234, true},
		{"one-byte, after mid, with CSRCs", twccPacket(t, 0xBEDE, 2, map[uint8][]byte{1: []byte("0"), 5: {0xff, 0xfe}}, []uint8{1, 5}), 5, 0xfffe, true},
		{"two-byte", twccPacket(t, 0x1000, 0, map[uint8][]byte{1: make([]byte, 17), 20: {0, 9}}, []uint8{1, 20}), 20, 9, true},
		{"other id only", twccPacket(t, 0xBEDE, 0, map[uint8][]byte{1: []byte("0")}, []uint8{1}), 5, 0, false},
		{"too short a value", twccPacket(t, 0xBEDE, 0, map[uint8][]byte{5: {1}}, []uint8{5}), 5, 0, false},
		{"no extension", twccPacket(t, 0, 0, nil, nil), 5, 0, false},
		{"short", []byte{0x90, 96, 0, 1}, 5, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ssrc, seq, ok := transportSeq(tc.raw, tc.id)
			if ok != tc.ok || (ok && (seq != tc.wantSeq || ssrc != 0xdeadbeef)) {
				t.Fatalf("transportSeq = %#x, %d, %v; want seq %d, %v", ssrc, seq, ok, tc.wantSeq, tc.ok)
			}
			pssrc, pseq, pok := pionTransportSeq(tc.raw, tc.id)
			if pok != ok || pseq != seq || (ok && pssrc != ssrc) {
				t.Fatalf("pion: %#x, %d, %v; transportSeq: %#x, %d, %v", pssrc, pseq, pok, ssrc, seq, ok)
			}
		})
	}
	// Corruptions: every packet above with random bytes of its header
	// replaced and random truncations; both readers must agree on each.
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // test data
	for i := range 200_000 {
		tc := tests[rng.IntN(len(tests))]
		b := append([]byte(nil), tc.raw...)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(min(len(b), 40))] = byte(rng.Uint32())
		}
		if rng.IntN(4) == 0 {
			b = b[:rng.IntN(len(b)+1)]
		}
		id := tc.id
		if rng.IntN(8) == 0 {
			id = uint8(1 + rng.IntN(255)) // extension ids are 1..255; 0 means none negotiated
		}
		ssrc, seq, ok := transportSeq(b, id)
		pssrc, pseq, pok := pionTransportSeq(b, id)
		if ok != pok || seq != pseq || ssrc != pssrc {
			t.Fatalf("case %d, packet %x, id %d: transportSeq %#x/%d/%v, pion %#x/%d/%v", i, b, id, ssrc, seq, ok, pssrc, pseq, pok)
		}
	}
}

// FuzzTransportSeq checks transportSeq against pion's parser on any input.
func FuzzTransportSeq(f *testing.F) {
	f.Add(twccPacket(f, 0xBEDE, 1, map[uint8][]byte{1: []byte("a"), 5: {1, 2}}, []uint8{1, 5}), uint8(5))
	f.Add(twccPacket(f, 0x1000, 0, map[uint8][]byte{3: {0, 0, 7}}, []uint8{3}), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, id uint8) {
		if id == 0 {
			return // no TWCC negotiated: BindRemoteStream records nothing
		}
		ssrc, seq, ok := transportSeq(b, id)
		pssrc, pseq, pok := pionTransportSeq(b, id)
		if ok != pok || seq != pseq || ssrc != pssrc {
			t.Fatalf("transportSeq %#x/%d/%v, pion %#x/%d/%v", ssrc, seq, ok, pssrc, pseq, pok)
		}
	})
}
