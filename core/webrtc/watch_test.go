package webrtc

import (
	"math"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func TestStreamCountersReceive(t *testing.T) {
	type pkt struct {
		seq uint16
		ts  uint32
		at  time.Duration // arrival after the first packet
	}
	// evenly paced 90 kHz video: 3000 ticks every 1/30 s
	paced := func(n int, seq0 uint16, skip map[int]bool) []pkt {
		var out []pkt
		for i := range n {
			if skip[i] {
				continue
			}
			out = append(out, pkt{seq0 + uint16(i), uint32(i * 3000), time.Duration(i) * time.Second / 30})
		}
		return out
	}
	tests := []struct {
		name       string
		pkts       []pkt
		lost       int64
		jitterMsGT float64 // jitter above this
		jitterMsLT float64 // and below this
	}{
		{"in order, no loss, no jitter", paced(100, 1, nil), 0, -1, 0.001},
		{"two lost", paced(100, 1, map[int]bool{10: true, 50: true}), 2, -1, 0.001},
		{"sequence wraps", paced(100, 65500, map[int]bool{40: true}), 1, -1, 0.001},
		{"reordered: counted once", []pkt{{1, 0, 0}, {3, 6000, 66 * time.Millisecond}, {2, 3000, 67 * time.Millisecond}, {4, 9000, 100 * time.Millisecond}}, 0, -1, 10},
		{"late packets make jitter", []pkt{{1, 0, 0}, {2, 3000, 53 * time.Millisecond}, {3, 6000, 67 * time.Millisecond}, {4, 9000, 120 * time.Millisecond}}, 0, 1, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &streamCounters{clock: 90000}
			t0 := time.Unix(1000, 0)
			for _, p := range tt.pkts {
				c.receive(p.seq, p.ts, t0.Add(p.at))
			}
			if got := c.lost(); got != tt.lost {
				t.Errorf("lost %d, want %d", got, tt.lost)
			}
			j := math.Float64frombits(c.jitter.Load()) * 1000
			if j <= tt.jitterMsGT || j >= tt.jitterMsLT {
				t.Errorf("jitter %.3f ms, want in (%v, %v)", j, tt.jitterMsGT, tt.jitterMsLT)
			}
		})
	}
}

// TestMediaWatchReports feeds the peer's RTCP to mediaWatch and checks the
// outbound statistics: RTT from LSR/DLSR, loss and jitter from the
// reception report, NACKs received; and the NACKs we send.
func TestMediaWatchReports(t *testing.T) {
	w := newMediaWatch()
	now := time.Unix(1_700_000_000, 0)
	w.now = func() time.Time { return now }
	local := interceptor.StreamInfo{SSRC: 10, MimeType: "video/VP8", ClockRate: 90000}
	remote := interceptor.StreamInfo{SSRC: 20, MimeType: "video/VP8", ClockRate: 90000}
	w.BindLocalStream(&local, interceptor.RTPWriterFunc(nil))
	w.BindRemoteStream(&remote, interceptor.RTPReaderFunc(nil))

	// The SR we sent 150 ms ago, held by the peer for 40 ms: RTT 110 ms.
	lsr := ntpMiddle(now.Add(-150 * time.Millisecond))
	in := []rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: 20, Reports: []rtcp.ReceptionReport{{
			SSRC: 10, FractionLost: 64, TotalLost: 7, Jitter: 900, LastSenderReport: lsr, Delay: 40 * 65536 / 1000,
		}}},
		&rtcp.TransportLayerNack{MediaSSRC: 10, Nacks: []rtcp.NackPair{{PacketID: 5}}},
		&rtcp.TransportLayerNack{MediaSSRC: 99, Nacks: []rtcp.NackPair{{PacketID: 5}}}, // not ours
	}
	raw, err := rtcp.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	rd := w.BindRTCPReader(interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return copy(b, raw), a, nil
	}))
	if _, _, err := rd.Read(make([]byte, 1500), nil); err != nil {
		t.Fatal(err)
	}
	wr := w.BindRTCPWriter(interceptor.RTCPWriterFunc(func(p []rtcp.Packet, _ interceptor.Attributes) (int, error) { return len(p), nil }))
	if _, err := wr.Write([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 20}, &rtcp.PictureLossIndication{MediaSSRC: 20}}, nil); err != nil {
		t.Fatal(err)
	}

	out, got := w.stream(false, 10), w.stream(true, 20)
	rtt := time.Duration(out.rtt.Load())
	if rtt < 109*time.Millisecond || rtt > 111*time.Millisecond {
		t.Errorf("rtt %v, want 110 ms", rtt)
	}
	if l := out.remoteLost.Load(); l != 7 {
		t.Errorf("lost by remote %d, want 7", l)
	}
	if f := out.remoteFraction.Load(); f != 64 {
		t.Errorf("fraction lost %d, want 64", f)
	}
	if j := math.Float64frombits(out.remoteJitter.Load()) * 1000; math.Abs(j-10) > 1e-9 {
		t.Errorf("remote jitter %v ms, want 10", j)
	}
	if n := out.nacks.Load(); n != 1 {
		t.Errorf("NACKs received %d, want 1", n)
	}
	if n := got.nacks.Load(); n != 1 {
		t.Errorf("NACKs sent %d, want 1", n)
	}
}

// rtpSeqTimestamp must read what pion's header parser reads, CSRCs and
// header extensions included, and refuse what is not RTP version 2.
func TestRTPSeqTimestamp(t *testing.T) {
	withExt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 0xfffe, Timestamp: 0x89abcdef, SSRC: 7, CSRC: []uint32{1, 2}}, Payload: []byte{1, 2, 3}}
	if err := withExt.SetExtension(3, []byte{0, 9}); err != nil {
		t.Fatal(err)
	}
	extRaw, err := withExt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	plainRaw, err := (&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 1, Timestamp: 3000, SSRC: 9}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	v1 := append([]byte(nil), plainRaw...)
	v1[0] = v1[0]&0x3f | 1<<6
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"csrc and extension", extRaw, true},
		{"fixed header only", plainRaw, true},
		{"short", plainRaw[:11], false},
		{"version 1", v1, false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, ts, ok := rtpSeqTimestamp(tc.b)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			var h rtp.Header
			if _, err := h.Unmarshal(tc.b); err != nil {
				t.Fatal(err)
			}
			if seq != h.SequenceNumber || ts != h.Timestamp {
				t.Fatalf("got seq %d ts %d, pion parsed seq %d ts %d", seq, ts, h.SequenceNumber, h.Timestamp)
			}
		})
	}
}
