package mediakit_test

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
)

// rtpWriter is what the benchmark writes packets to.
type rtpWriter interface{ WriteRTP(p *rtp.Packet) error }

// TestSendTrackWrites: each binding gets every packet with its own SSRC
// and the negotiated payload type, with one binding (the direct path) as
// with two (pion's path), and after unbinding; the caller's packet is
// unchanged by the write.
func TestSendTrackWrites(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bind   int // bindings made
		unbind int // then unbound, first ones first
	}{
		{"unbound", 0, 0},
		{"one binding", 1, 0},
		{"two bindings", 2, 0},
		{"two, one unbound", 2, 1},
		{"one, unbound", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := mediakit.NewSendTrack(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "s")
			if err != nil {
				t.Fatal(err)
			}
			bs := make([]*coretest.Binding, tc.bind)
			for i := range bs {
				bs[i] = &coretest.Binding{Name: string(rune('a' + i)), Source: pion.SSRC(1000 + i)}
				c, err := tr.Bind(bs[i])
				if err != nil || c.PayloadType != 96 {
					t.Fatalf("bind: %v %v", c.PayloadType, err)
				}
			}
			for _, b := range bs[:tc.unbind] {
				if err := tr.Unbind(b); err != nil {
					t.Fatal(err)
				}
			}
			p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 7, Timestamp: 9, SSRC: 42, Marker: true}, Payload: []byte{1, 2, 3}}
			for range 2 {
				if err := tr.WriteRTP(p); err != nil {
					t.Fatal(err)
				}
			}
			if p.SSRC != 42 || p.PayloadType != 111 || p.SequenceNumber != 7 {
				t.Fatalf("caller's packet changed: %+v", p.Header)
			}
			for i, b := range bs {
				want := 2
				if i < tc.unbind {
					want = 0
				}
				if len(b.Headers) != want {
					t.Fatalf("binding %d got %d packets, want %d", i, len(b.Headers), want)
				}
				for k, h := range b.Headers {
					if h.SSRC != uint32(b.Source) || h.PayloadType != 96 || h.SequenceNumber != 7 || h.Timestamp != 9 || !h.Marker || string(b.Payloads[k]) != "\x01\x02\x03" {
						t.Fatalf("binding %d packet %d: %+v %v", i, k, h, b.Payloads[k])
					}
				}
			}
		})
	}
}

// TestSendTrackRefusesCodec: a binding without the track's codec fails,
// as pion's track does, and leaves no binding to write to.
func TestSendTrackRefusesCodec(t *testing.T) {
	tr, err := mediakit.NewSendTrack(pion.RTPCodecCapability{MimeType: pion.MimeTypeAV1, ClockRate: 90000}, "video", "s")
	if err != nil {
		t.Fatal(err)
	}
	b := &coretest.Binding{Name: "a", Source: 1}
	if _, err := tr.Bind(b); err == nil {
		t.Fatal("bound AV1 to a VP8/H264 context")
	}
	if err := tr.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if len(b.Headers) != 0 {
		t.Fatalf("wrote %d packets to a refused binding", len(b.Headers))
	}
}

// BenchmarkTrackWrite is one packet written to a bound subscriber track:
// pion's TrackLocalStaticRTP ("pion") against SendTrack ("direct"), with
// a write stream that does nothing (the interceptors, SRTP and the socket
// come after, the same for both).
func BenchmarkTrackWrite(b *testing.B) {
	vp8 := pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}
	for _, bc := range []struct {
		name  string
		track func() (pion.TrackLocal, rtpWriter)
	}{
		{"pion", func() (pion.TrackLocal, rtpWriter) {
			tr, _ := pion.NewTrackLocalStaticRTP(vp8, "video", "s")
			return tr, tr
		}},
		{"direct", func() (pion.TrackLocal, rtpWriter) {
			tr, _ := mediakit.NewSendTrack(vp8, "video", "s")
			return tr, tr
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tl, w := bc.track()
			if _, err := tl.Bind(&coretest.Binding{Name: "a", Source: 1, Discard: true}); err != nil {
				b.Fatal(err)
			}
			var pkt rtp.Packet
			if err := pkt.Unmarshal(coretest.VP8Packet(b, 0x90, 0x20, 0x00)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteRTP(&pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fakeHistory is a mediakit.History that records what it is asked.
type fakeHistory struct {
	seq    uint16
	ssrc   uint32
	pt     uint8
	window time.Duration
}

func (h *fakeHistory) SentPacket(seq uint16, ssrc uint32, pt uint8, pkt *rtp.Packet) (time.Duration, bool) {
	h.seq, h.ssrc, h.pt = seq, ssrc, pt
	pkt.SequenceNumber, pkt.SSRC, pkt.PayloadType = seq, ssrc, pt
	return 5 * time.Millisecond, true
}

func (h *fakeHistory) NACKWindow(w time.Duration) { h.window = w }

// TestSendTrackHistory: the track asks its History for what it sent with
// the binding's SSRC and payload type, and passes the NACK window on;
// without a History, or without exactly one binding, nothing is answered.
func TestSendTrackHistory(t *testing.T) {
	tr, err := mediakit.NewSendTrack(pion.RTPCodecCapability{MimeType: pion.MimeTypeH264, ClockRate: 90000}, "video", "s")
	if err != nil {
		t.Fatal(err)
	}
	var pkt rtp.Packet
	tr.NACKWindow(time.Second) // no History: ignored
	if _, ok := tr.SentPacket(1, &pkt); ok {
		t.Fatal("answered without a History")
	}
	h := &fakeHistory{}
	tr.SetHistory(h)
	if _, ok := tr.SentPacket(1, &pkt); ok {
		t.Fatal("answered without a binding")
	}
	if _, err := tr.Bind(&coretest.Binding{Name: "a", Source: 77}); err != nil {
		t.Fatal(err)
	}
	age, ok := tr.SentPacket(9, &pkt)
	if !ok || age != 5*time.Millisecond || h.seq != 9 || h.ssrc != 77 || h.pt != 102 || pkt.SSRC != 77 {
		t.Fatalf("SentPacket: %v %v, history asked %+v, packet %+v", age, ok, h, pkt.Header)
	}
	tr.NACKWindow(400 * time.Millisecond)
	if h.window != 400*time.Millisecond {
		t.Fatalf("window %v", h.window)
	}
}
