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
	if err := s.hdr.SetExtension(5, []byte{byte(s.twSeq >> 8), byte(s.twSeq)}); err != nil {
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
// Engine holds the chain's stats and mediaWatch in pending.
func buildChain(t testing.TB, headerCache bool) (interceptor.Interceptor, *Engine) {
	t.Helper()
	e := &Engine{cfg: Config{}.withDefaults()}
	ir, err := e.interceptors(headerCache)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := ir.Build("pc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	// As pion does for each PeerConnection: the TWCC and report loops
	// start with the RTCP writer (feedback is discarded here).
	chain.BindRTCPWriter(interceptor.RTCPWriterFunc(func(p []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		return len(p), nil
	}))
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

// TestHeaderCacheChain reads through the whole chain (NACK generator,
// receiver reports, TWCC, stats, mediaWatch) and checks the interceptors
// further out still see every packet: the statistics count them.
func TestHeaderCacheChain(t *testing.T) {
	chain, e := buildChain(t, true)
	st, w := e.pending.stats, e.pending.watch
	if st == nil || w == nil {
		t.Fatal("stats or mediaWatch not built")
	}
	info := twccVideo
	r := chain.BindRemoteStream(&info, newPacketSource(info.SSRC))
	buf := make([]byte, 1500)
	read := func() {
		t.Helper()
		if _, _, err := r.Read(buf, nil); err != nil {
			t.Fatal(err)
		}
	}
	inbound := func() uint64 {
		if s := st.Get(info.SSRC); s != nil {
			return s.InboundRTPStreamStats.PacketsReceived
		}
		return 0
	}
	// pion starts a stream's stats recorder on a goroutine of its own:
	// packets read before it runs are not counted.
	read()
	for i := 0; inbound() == 0; i++ {
		if i == 10000 {
			t.Fatal("stats recorder never counted a packet")
		}
		read()
	}
	before, watched := inbound(), w.snapshot(true)[info.SSRC].packets.Load()
	const packets = 50
	for range packets {
		read()
	}
	if got := inbound() - before; got != packets {
		t.Fatalf("stats counted %d more packets, want %d", got, packets)
	}
	if got := w.snapshot(true)[info.SSRC].packets.Load() - watched; got != packets {
		t.Fatalf("mediaWatch counted %d more packets, want %d", got, packets)
	}
}

// BenchmarkReceiveChain is one received video packet through the Engine's
// interceptor chain (a browser's feedback negotiated), without and with
// the header cache: allocations per packet are the point.
func BenchmarkReceiveChain(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache bool
	}{{"pion-attributes", false}, {"header-cache", true}} {
		b.Run(bc.name, func(b *testing.B) {
			chain, _ := buildChain(b, bc.cache)
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
