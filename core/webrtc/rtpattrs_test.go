package webrtc

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// twccVideo is a browser's VP8 stream: NACK, PLI, REMB and transport-cc
// feedback and the transport-wide sequence header extension (ID 5).
var twccVideo = interceptor.StreamInfo{
	SSRC: 1111, MimeType: "video/VP8", ClockRate: 90000, PayloadType: 96,
	RTCPFeedback: []interceptor.RTCPFeedback{
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "goog-remb"}, {Type: "transport-cc"},
	},
	RTPHeaderExtensions: []interceptor.RTPHeaderExtension{
		{ID: 5, URI: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"},
	},
}

// packetSource is an RTP reader that yields one VP8 packet per read with
// the next sequence and transport-wide sequence numbers.
type packetSource struct {
	hdr     rtp.Header
	payload []byte
	twSeq   uint16
}

func newPacketSource(ssrc uint32) *packetSource {
	return &packetSource{
		hdr:     rtp.Header{Version: 2, PayloadType: 96, SSRC: ssrc, Timestamp: 1000},
		payload: make([]byte, 1000),
	}
}

func (s *packetSource) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	s.hdr.SequenceNumber++
	s.twSeq++
	if ext := s.hdr.GetExtension(5); ext != nil {
		ext[0], ext[1] = byte(s.twSeq>>8), byte(s.twSeq)
	} else if err := s.hdr.SetExtension(5, []byte{byte(s.twSeq >> 8), byte(s.twSeq)}); err != nil {
		return 0, nil, err
	}
	n, err := s.hdr.MarshalTo(b)
	if err != nil {
		return 0, nil, err
	}
	n += copy(b[n:], s.payload)
	return n, a, nil
}

// buildChain is the Engine's interceptor chain for one PeerConnection; the
// Engine holds the chain's mediaWatch in pending. The RTCP the chain
// writes goes to rtcpOut (nil: discarded).
func buildChain(t testing.TB, headerCache bool, rtcpOut interceptor.RTCPWriter) (interceptor.Interceptor, *Engine) {
	t.Helper()
	e := &Engine{cfg: Config{}.withDefaults(), rtcp: newRTCPTicker()}
	t.Cleanup(e.rtcp.close)
	ir, err := e.interceptors(headerCache)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := ir.Build("pc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	// As pion does for each PeerConnection: the TWCC loop and the reports
	// start with the RTCP writer.
	if rtcpOut == nil {
		rtcpOut = interceptor.RTCPWriterFunc(func(p []rtcp.Packet, _ interceptor.Attributes) (int, error) { return len(p), nil })
	}
	chain.BindRTCPWriter(rtcpOut)
	return chain, e
}

func TestRTPHeaderAttributeKey(t *testing.T) {
	// Without the key only the map is reused and each packet's header is
	// allocated again: a pion change that hides it must fail here.
	if rtpHeaderAttributeKey() == nil {
		t.Fatal("pion's RTP header attribute key not found")
	}
}

func TestHeaderCache(t *testing.T) {
	rtx := interceptor.StreamInfo{SSRC: 2222, MimeType: "video/rtx", ClockRate: 90000, PayloadType: 97}
	tests := []struct {
		name   string
		info   interceptor.StreamInfo
		reused bool
	}{
		{"media stream: one map and header for all packets", twccVideo, true},
		{"repair stream: left alone", rtx, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newHeaderCacheFactory().NewInterceptor("")
			if err != nil {
				t.Fatal(err)
			}
			src := newPacketSource(tt.info.SSRC)
			r := c.BindRemoteStream(&tt.info, src)
			buf := make([]byte, 1500)
			var first interceptor.Attributes
			for i := range 3 {
				n, attrs, err := r.Read(buf, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !tt.reused {
					if attrs != nil {
						t.Fatalf("repair stream got attributes %v", attrs)
					}
					continue
				}
				h, err := attrs.GetRTPHeader(buf[:n])
				if err != nil {
					t.Fatal(err)
				}
				var want rtp.Header
				if _, err := want.Unmarshal(buf[:n]); err != nil {
					t.Fatal(err)
				}
				if h.SequenceNumber != want.SequenceNumber || h.SSRC != want.SSRC ||
					string(h.GetExtension(5)) != string(want.GetExtension(5)) {
					t.Fatalf("packet %d: cached header %+v, packet has %+v", i, h, want)
				}
				if i == 0 {
					first = attrs
				} else if len(attrs) != len(first) || attrs[rtpHeaderAttributeKey()] != first[rtpHeaderAttributeKey()] {
					t.Fatalf("packet %d: attributes not reused", i)
				}
			}
		})
	}
}

// TestHeaderCacheChain reads through the whole chain (header cache,
// mediaWatch, NACK generator, receiver reports, TWCC) and checks that
// mediaWatch, which reads the cached header, sees every packet and the
// gaps in the sequence.
func TestHeaderCacheChain(t *testing.T) {
	chain, e := buildChain(t, true, nil)
	w := e.pending.watch
	if w == nil {
		t.Fatal("mediaWatch not built")
	}
	info := twccVideo
	src := newPacketSource(info.SSRC)
	r := chain.BindRemoteStream(&info, src)
	buf := make([]byte, 1500)
	const packets, skipEvery = 60, 10
	for i := range packets {
		if i%skipEvery == skipEvery-1 {
			src.hdr.SequenceNumber++ // one packet lost
		}
		if _, _, err := r.Read(buf, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := w.stream(true, info.SSRC)
	if got := c.packets.Load(); got != packets {
		t.Fatalf("mediaWatch counted %d packets, want %d", got, packets)
	}
	if got, want := c.lost(), int64(packets/skipEvery); got != want {
		t.Fatalf("mediaWatch lost %d, want %d", got, want)
	}
}

// BenchmarkReceiveChain is one received video packet through the Engine's
// interceptor chain (a browser's feedback negotiated), without and with
// the header cache: allocations per packet are the point. (Before the
// header cache, with pion's stats interceptor: 11 allocs, 1022 B.)
func BenchmarkReceiveChain(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache bool
	}{{"pion-attributes", false}, {"header-cache", true}} {
		b.Run(bc.name, func(b *testing.B) {
			chain, _ := buildChain(b, bc.cache, nil)
			info := twccVideo
			r := chain.BindRemoteStream(&info, newPacketSource(info.SSRC))
			buf := make([]byte, 1500)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := r.Read(buf, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSendChain is one sent video packet (with one header extension,
// as forwarded packets carry) through the Engine's interceptor chain.
func BenchmarkSendChain(b *testing.B) {
	chain, _ := buildChain(b, true, nil)
	info := twccVideo
	w := chain.BindLocalStream(&info, interceptor.RTPWriterFunc(func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) {
		return len(p), nil
	}))
	src := newPacketSource(info.SSRC)
	if err := src.hdr.SetExtension(5, []byte{0, 1}); err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 1000)
	b.ReportAllocs()
	for b.Loop() {
		src.hdr.SequenceNumber++
		if _, err := w.Write(&src.hdr, payload, nil); err != nil {
			b.Fatal(err)
		}
	}
}
