package webrtc

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/refusals"
	"github.com/argusrtc/argus/telemetry"
)

// fakeClock is a settable clock for the responder.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// capture records what reaches the network below the responder.
type capture struct {
	mu   sync.Mutex
	pkts []rtp.Packet
}

func (c *capture) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pkts = append(c.pkts, rtp.Packet{Header: h.Clone(), Payload: append([]byte(nil), payload...)})
	return len(payload), nil
}

func (c *capture) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.pkts) }
func (c *capture) last() rtp.Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pkts[len(c.pkts)-1]
}

// rtcpBytes feeds marshalled RTCP to a bound RTCP reader.
type rtcpBytes []byte

func (r rtcpBytes) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	return copy(b, r), a, nil
}

type responderRig struct {
	t     *testing.T
	clock *fakeClock
	resp  *nackResponder
	net   *capture
	send  interceptor.RTPWriter
	ssrc  uint32
	seq   uint16
}

func newResponderRig(t *testing.T, info interceptor.StreamInfo, window time.Duration) *responderRig {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	f := &nackResponderFactory{window: window, now: clock.now}
	i, err := f.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	r := &responderRig{t: t, clock: clock, resp: i.(*nackResponder), net: &capture{}, ssrc: info.SSRC, seq: 65530}
	r.send = r.resp.BindLocalStream(&info, r.net)
	return r
}

// sendOne sends a packet whose payload is its sequence number repeated.
func (r *responderRig) sendOne(size int) uint16 {
	seq := r.seq
	r.seq++
	payload := bytes.Repeat([]byte{byte(seq)}, size)
	h := &rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: r.ssrc, Marker: seq%4 == 0}
	if _, err := r.send.Write(h, payload, nil); err != nil {
		r.t.Fatal(err)
	}
	return seq
}

func (r *responderRig) nack(seqs ...uint16) {
	r.t.Helper()
	pkt := &rtcp.TransportLayerNack{MediaSSRC: r.ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers(seqs)}
	b, err := pkt.Marshal()
	if err != nil {
		r.t.Fatal(err)
	}
	reader := r.resp.BindRTCPReader(rtcpBytes(b))
	if _, _, err := reader.Read(make([]byte, 1500), nil); err != nil {
		r.t.Fatal(err)
	}
}

var nackVideo = interceptor.StreamInfo{
	SSRC: 1111, MimeType: "video/VP8", ClockRate: 90000,
	RTCPFeedback: []interceptor.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}},
}

func TestNACKResponder(t *testing.T) {
	rtxVideo := nackVideo
	rtxVideo.SSRCRetransmission, rtxVideo.PayloadTypeRetransmission = 2222, 97
	audio := interceptor.StreamInfo{SSRC: 3333, MimeType: "audio/opus", ClockRate: 48000,
		RTCPFeedback: []interceptor.RTCPFeedback{{Type: "transport-cc"}}}

	tests := []struct {
		name    string
		info    interceptor.StreamInfo
		sent    int           // packets sent 1 ms apart
		wait    time.Duration // before the NACK
		nackIdx []int         // indexes of sent packets NACKed
		resent  int           // packets written again
		rtx     bool
		gaps    bool // skip a few sequence numbers after every third packet
		inGap   bool // NACK a skipped sequence number
	}{
		{name: "resends NACKed packets", info: nackVideo, sent: 10, nackIdx: []int{2, 3, 7}, resent: 3},
		{name: "across sequence wrap", info: nackVideo, sent: 10, nackIdx: []int{4, 5, 6}, resent: 3},
		{name: "older than the window", info: nackVideo, sent: 10, wait: time.Second, nackIdx: []int{8}, resent: 0},
		{name: "unknown sequence", info: nackVideo, sent: 3, nackIdx: nil, resent: 0},
		{name: "no history without nack", info: audio, sent: 10, nackIdx: []int{1}, resent: 0},
		{name: "as RTX when negotiated", info: rtxVideo, sent: 10, nackIdx: []int{5}, resent: 1, rtx: true},
		{name: "before and after gaps in the sent sequence", info: nackVideo, sent: 10, gaps: true, nackIdx: []int{0, 3, 4, 9}, resent: 4},
		{name: "in a gap", info: nackVideo, sent: 10, gaps: true, nackIdx: nil, inGap: true, resent: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newResponderRig(t, tc.info, 500*time.Millisecond)
			var seqs []uint16
			for i := range tc.sent {
				seqs = append(seqs, r.sendOne(100))
				if tc.gaps && i%3 == 2 {
					r.seq += 5
				}
				r.clock.add(time.Millisecond)
			}
			r.clock.add(tc.wait)
			var asked []uint16
			for _, i := range tc.nackIdx {
				asked = append(asked, seqs[i])
			}
			switch {
			case tc.inGap:
				asked = []uint16{seqs[2] + 1, seqs[2] + 3}
			case asked == nil:
				asked = []uint16{r.seq + 100}
			}
			before := r.net.count()
			r.nack(asked...)
			if got := r.net.count() - before; got != tc.resent {
				t.Fatalf("resent %d packets, want %d", got, tc.resent)
			}
			if tc.resent == 0 {
				return
			}
			p := r.net.last()
			want := asked[len(asked)-1]
			payload := p.Payload
			if tc.rtx {
				if p.SSRC != 2222 || p.PayloadType != 97 {
					t.Fatalf("RTX ssrc/pt = %d/%d", p.SSRC, p.PayloadType)
				}
				if osn := binary.BigEndian.Uint16(payload); osn != want {
					t.Fatalf("RTX original sequence %d, want %d", osn, want)
				}
				payload = payload[2:]
			} else if p.SequenceNumber != want || p.SSRC != tc.info.SSRC {
				t.Fatalf("resent seq %d ssrc %d, want %d", p.SequenceNumber, p.SSRC, want)
			}
			if !bytes.Equal(payload, bytes.Repeat([]byte{byte(want)}, 100)) {
				t.Fatalf("resent payload differs from the sent one")
			}
		})
	}
}

func TestNACKResponderResendGap(t *testing.T) {
	r := newResponderRig(t, nackVideo, time.Second)
	seq := r.sendOne(50)
	r.clock.add(5 * time.Millisecond)
	r.nack(seq)
	r.nack(seq) // repeated before a repair could arrive: ignored
	if got := r.net.count(); got != 2 {
		t.Fatalf("%d writes, want 1 send and 1 resend", got)
	}
	r.clock.add(nackResendGap + time.Millisecond)
	r.nack(seq)
	if got := r.net.count(); got != 3 {
		t.Fatalf("%d writes, want a second resend after the gap", got)
	}
}

// TestNACKHistoryBounded checks that the ring follows the packet rate: it
// holds one window of packets, never more than nackMaxPackets, and shrinks
// again when the rate falls.
func TestNACKHistoryBounded(t *testing.T) {
	r := newResponderRig(t, nackVideo, 500*time.Millisecond)
	h := r.resp.streams[nackVideo.SSRC]
	slots := func() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.slots) }

	// 300 packets/s for 2 s: a window holds 150 packets.
	for range 600 {
		r.sendOne(1000)
		r.clock.add(time.Second / 300)
	}
	if n := slots(); n < 150 || n > 512 {
		t.Fatalf("ring of %d slots at 300 packets/s, want 150..512", n)
	}
	// A burst far above the cap.
	for range 3 * nackMaxPackets {
		r.sendOne(1000)
	}
	if n := slots(); n != nackMaxPackets {
		t.Fatalf("ring of %d slots after a burst, want the cap %d", n, nackMaxPackets)
	}
	// 10 packets/s: the ring shrinks.
	for range 50 {
		r.clock.add(100 * time.Millisecond)
		r.sendOne(1000)
	}
	if n := slots(); n > 64 {
		t.Fatalf("ring of %d slots at 10 packets/s, want it shrunk", n)
	}
	h.mu.Lock()
	spare, ring := h.free.Len(), len(h.slots)
	h.mu.Unlock()
	if spare > ring {
		t.Fatalf("%d spare buffers kept for a ring of %d", spare, ring)
	}
	// The packets still in the window remain answerable after the shrink.
	last := r.seq - 1
	before := r.net.count()
	r.nack(last, last-1)
	if got := r.net.count() - before; got != 2 {
		t.Fatalf("resent %d after shrink, want 2", got)
	}
}

// TestNACKHistoryPause: a sender that stalls for longer than the window
// (a congested client, a descheduled forwarder) and resumes at the same
// rate finds its ring and buffers still there: the history does not
// shrink and regrow, allocating again, on every pause.
func TestNACKHistoryPause(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	i, err := (&nackResponderFactory{now: clock.now}).NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	info := nackVideo
	w := i.(*nackResponder).BindLocalStream(&info, interceptor.RTPWriterFunc(
		func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) { return len(p), nil }))
	h := i.(*nackResponder).streams[info.SSRC]
	payload := make([]byte, 1000)
	hdr := &rtp.Header{Version: 2, PayloadType: 96, SSRC: info.SSRC}
	send := func(n int) {
		for range n {
			hdr.SequenceNumber++
			if _, err := w.Write(hdr, payload, nil); err != nil {
				t.Fatal(err)
			}
			clock.add(time.Second / 300)
		}
	}
	send(600) // 300 packets/s for 2 s
	allocs := testing.AllocsPerRun(5, func() {
		clock.add(600 * time.Millisecond)
		send(300)
	})
	h.mu.Lock()
	ring := len(h.slots)
	h.mu.Unlock()
	if want := int(DefaultNACKWindow * 300 / time.Second); ring < want {
		t.Fatalf("ring of %d slots after pauses at 300 packets/s, want >= %d (one window)", ring, want)
	}
	t.Logf("%.1f allocations per pause and second of media", allocs)
	if allocs > 10 {
		t.Fatalf("%.0f allocations per pause and second of media, want the buffers reused", allocs)
	}
}

// BenchmarkNACKHistoryAdd is the history's work per sent packet of a
// NACK-capable stream: on a fake clock advanced 1/300 s per packet or on
// the real clock (read once per packet and subscriber), a packet with a
// header extension (pion's marshal) or without (forwarded by VideoRoom).
func BenchmarkNACKHistoryAdd(b *testing.B) {
	for _, bc := range []struct {
		name      string
		fake, ext bool
	}{{"fake-clock", true, true}, {"real-clock", false, true}, {"real-clock/no-extension", false, false}} {
		b.Run(bc.name, func(b *testing.B) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			f := &nackResponderFactory{}
			if bc.fake {
				f.now = clock.now
			}
			i, _ := f.NewInterceptor("")
			info := nackVideo
			w := i.(*nackResponder).BindLocalStream(&info, interceptor.RTPWriterFunc(
				func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) { return len(p), nil }))
			payload := make([]byte, 1000)
			h := &rtp.Header{Version: 2, PayloadType: 96, SSRC: info.SSRC}
			if bc.ext {
				if err := h.SetExtension(3, []byte{1, 2}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for n := range b.N {
				h.SequenceNumber = uint16(n)
				if _, err := w.Write(h, payload, nil); err != nil {
					b.Fatal(err)
				}
				clock.add(time.Second / 300)
			}
		})
	}
}

// TestPutFixedHeader: the history's own marshal of a plain header gives
// pion's bytes.
func TestPutFixedHeader(t *testing.T) {
	for _, h := range []rtp.Header{
		{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 2, SSRC: 3},
		{Version: 2, Marker: true, PayloadType: 127, SequenceNumber: 65535, Timestamp: 0xFFFFFFFF, SSRC: 0xFFFFFFFF},
		{Version: 2, Marker: true, PayloadType: 0, SequenceNumber: 0x1234, Timestamp: 0x89ABCDEF, SSRC: 0x01020304},
	} {
		want, err := h.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, rtpFixedHeader)
		putFixedHeader(got, &h)
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: % x, pion % x", h, got, want)
		}
	}
}

// TestNACKWindowFollowsRTT: a reception report's round-trip time widens a
// stream's window to twice the RTT, within [minimum, MaxNACKWindow]; a
// report without LSR, about another stream or giving a negative RTT
// changes nothing.
func TestNACKWindowFollowsRTT(t *testing.T) {
	const unit = 65536 // LSR and DLSR count 1/65536 s
	tests := []struct {
		name   string
		rtt    time.Duration // implied by the report; 0: no LSR
		ssrc   uint32        // 0: the stream's
		age    time.Duration // of the NACKed packet
		resent int
	}{
		{name: "no report: the minimum", age: 300 * time.Millisecond, resent: 0},
		{name: "short RTT keeps the minimum", rtt: 50 * time.Millisecond, age: 300 * time.Millisecond, resent: 0},
		{name: "within the minimum", rtt: 50 * time.Millisecond, age: 150 * time.Millisecond, resent: 1},
		{name: "200 ms RTT keeps 400 ms", rtt: 200 * time.Millisecond, age: 300 * time.Millisecond, resent: 1},
		{name: "but not more", rtt: 200 * time.Millisecond, age: 450 * time.Millisecond, resent: 0},
		{name: "capped at MaxNACKWindow", rtt: 3 * time.Second, age: 900 * time.Millisecond, resent: 1},
		{name: "capped, older", rtt: 3 * time.Second, age: 1100 * time.Millisecond, resent: 0},
		{name: "another stream's report", rtt: 400 * time.Millisecond, ssrc: 9999, age: 300 * time.Millisecond, resent: 0},
		{name: "negative RTT ignored", rtt: -time.Second, age: 300 * time.Millisecond, resent: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newResponderRig(t, nackVideo, DefaultNACKWindow)
			seq := r.sendOne(100)
			r.clock.add(10 * time.Millisecond)
			r.sendOne(100) // keeps the ring from looking empty
			if tc.rtt != 0 {
				// The client got our SR 1 s ago (LSR), held it 100 ms
				// (DLSR) and its report arrives now: RTT = 1 s - 100 ms
				// - (1 s - 100 ms - rtt).
				ssrc := tc.ssrc
				if ssrc == 0 {
					ssrc = nackVideo.SSRC
				}
				now := ntpMiddle(r.clock.now())
				dlsr := uint32(100 * time.Millisecond * unit / time.Second)
				rttUnits := int64(tc.rtt) * unit / int64(time.Second)
				lsr := now - dlsr - uint32(rttUnits) //nolint:gosec // wraps on purpose for the negative case
				rr := &rtcp.ReceiverReport{SSRC: 5, Reports: []rtcp.ReceptionReport{{SSRC: ssrc, LastSenderReport: lsr, Delay: dlsr}}}
				b, err := rr.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := r.resp.BindRTCPReader(rtcpBytes(b)).Read(make([]byte, 1500), nil); err != nil {
					t.Fatal(err)
				}
			}
			r.clock.add(tc.age - 10*time.Millisecond)
			before := r.net.count()
			r.nack(seq)
			if got := r.net.count() - before; got != tc.resent {
				t.Fatalf("resent %d packets %v after sending, want %d", got, tc.age, tc.resent)
			}
		})
	}
}

// mapHistory is a SentHistory kept by the test: packets by sequence
// number, with the age each reports.
type mapHistory struct {
	mu     sync.Mutex
	pkts   map[uint16]rtp.Packet
	age    time.Duration
	window time.Duration // last NACKWindow
	reads  int           // SentPacket calls (a packet rebuilt)
}

func (m *mapHistory) SentPacket(seq uint16, pkt *rtp.Packet) (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	p, ok := m.pkts[seq]
	if !ok {
		return 0, false
	}
	*pkt = *p.Clone()
	return m.age, true
}

func (m *mapHistory) NACKWindow(w time.Duration) {
	m.mu.Lock()
	m.window = w
	m.mu.Unlock()
}

// TestNACKResponderOwnHistory: a stream whose track keeps its own history
// (UseSentHistory before the stream is bound) has nothing copied, and its
// NACKs are answered from the track, with the responder's window, resend
// gap and RTX.
func TestNACKResponderOwnHistory(t *testing.T) {
	rtxVideo := nackVideo
	rtxVideo.SSRCRetransmission, rtxVideo.PayloadTypeRetransmission = 2222, 97
	stored := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 7, Timestamp: 21000, SSRC: 1111, Marker: true, CSRC: []uint32{5}}, Payload: []byte{1, 2, 3, 4}}
	tests := []struct {
		name  string
		info  interceptor.StreamInfo
		age   time.Duration
		nacks [][]uint16
		gap   time.Duration // clock step between NACKs
		want  int           // packets resent
		rtx   bool
	}{
		{"answered", nackVideo, 0, [][]uint16{{7}}, 0, 1, false},
		{"answered as RTX", rtxVideo, 0, [][]uint16{{7}}, 0, 1, true},
		{"unknown sequence number", nackVideo, 0, [][]uint16{{8, 9}}, 0, 0, false},
		{"older than the window", nackVideo, 300 * time.Millisecond, [][]uint16{{7}}, 0, 0, false},
		{"repeated within the gap", nackVideo, 0, [][]uint16{{7}, {7}}, 5 * time.Millisecond, 1, false},
		{"repeated after the gap", nackVideo, 0, [][]uint16{{7}, {7}}, nackResendGap + time.Millisecond, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			i, err := (&nackResponderFactory{window: 200 * time.Millisecond, now: clock.now}).NewInterceptor("")
			if err != nil {
				t.Fatal(err)
			}
			resp := i.(*nackResponder)
			own := &mapHistory{pkts: map[uint16]rtp.Packet{7: stored}, age: tt.age}
			resp.useOwn(tt.info.SSRC, own)
			net := &capture{}
			w := resp.BindLocalStream(&tt.info, net)
			payload := bytes.Repeat([]byte{9}, 1000)
			for seq := range uint16(20) {
				if _, err := w.Write(&rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: tt.info.SSRC}, payload, nil); err != nil {
					t.Fatal(err)
				}
			}
			if own.window != 200*time.Millisecond {
				t.Fatalf("track told a window of %v, want the configured 200ms", own.window)
			}
			if h := resp.streams[tt.info.SSRC]; h.n != 0 || len(h.slots) != 0 {
				t.Fatalf("the responder copied %d packets of a stream with its own history", h.n)
			}
			rig := &responderRig{t: t, resp: resp, ssrc: tt.info.SSRC}
			for k, seqs := range tt.nacks {
				if k > 0 {
					clock.add(tt.gap)
				}
				rig.nack(seqs...)
			}
			resent := net.pkts[20:]
			if len(resent) != tt.want {
				t.Fatalf("%d packets resent, want %d", len(resent), tt.want)
			}
			for _, p := range resent {
				want := stored.Clone()
				if tt.rtx {
					if p.SSRC != 2222 || p.PayloadType != 97 || binary.BigEndian.Uint16(p.Payload) != 7 {
						t.Fatalf("RTX packet %+v", p.Header)
					}
					p.Payload = p.Payload[2:]
					p.SSRC, p.PayloadType, p.SequenceNumber = want.SSRC, want.PayloadType, want.SequenceNumber
				}
				if p.Timestamp != want.Timestamp || p.Marker != want.Marker || p.SequenceNumber != 7 || p.SSRC != want.SSRC ||
					len(p.CSRC) != 1 || p.CSRC[0] != 5 || !bytes.Equal(p.Payload, want.Payload) {
					t.Fatalf("resent %+v %x, want %+v %x", p.Header, p.Payload, want.Header, want.Payload)
				}
			}
			resp.UnbindLocalStream(&tt.info)
			if len(resp.own) != 0 {
				t.Fatal("own history kept after unbind")
			}
		})
	}
}

// TestNACKResponderOwnBounded: past nackMaxOwn registrations a stream
// keeps the responder's own copy (and is still answered).
func TestNACKResponderOwnBounded(t *testing.T) {
	r := newResponderRig(t, nackVideo, time.Second)
	for i := range nackMaxOwn {
		r.resp.useOwn(uint32(5000+i), &mapHistory{})
	}
	r.resp.useOwn(nackVideo.SSRC, &mapHistory{})
	if len(r.resp.own) != nackMaxOwn {
		t.Fatalf("%d tracks remembered, want %d", len(r.resp.own), nackMaxOwn)
	}
	info := nackVideo
	w := r.resp.BindLocalStream(&info, r.net)
	r.send = w
	seq := r.sendOne(50)
	r.nack(seq)
	if got := r.net.count(); got != 2 {
		t.Fatalf("%d writes, want the packet and its resend from the responder's copy", got)
	}
}

// TestNACKResponderBudget: NACKs repeated after every resend gap, naming
// every packet of the window, get at most nackBudget resends more than
// the stream sent, whether the responder or the track keeps the packets;
// the rest are dropped and counted. Packets sent afterwards earn resends
// again.
func TestNACKResponderBudget(t *testing.T) {
	const sent, rounds = 512, 20
	for _, own := range []bool{false, true} {
		t.Run(map[bool]string{false: "responder's history", true: "track's history"}[own], func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			counts := refusals.New(LimitNACKResends)
			i, err := (&nackResponderFactory{window: time.Second, now: clock.now, refusals: counts}).NewInterceptor("")
			if err != nil {
				t.Fatal(err)
			}
			resp := i.(*nackResponder)
			hist := &mapHistory{pkts: map[uint16]rtp.Packet{}}
			if own {
				resp.useOwn(nackVideo.SSRC, hist)
			}
			info := nackVideo
			r := &responderRig{t: t, clock: clock, resp: resp, net: &capture{}, ssrc: info.SSRC, seq: 65000}
			r.send = resp.BindLocalStream(&info, r.net)
			send := func(n int) []uint16 {
				var seqs []uint16
				for range n {
					seq := r.seq
					hist.mu.Lock()
					hist.pkts[seq] = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: info.SSRC}, Payload: []byte{1}}
					hist.mu.Unlock()
					seqs = append(seqs, r.sendOne(10))
				}
				return seqs
			}
			seqs := send(sent)
			before := r.net.count()
			for range rounds {
				clock.add(nackResendGap + time.Millisecond)
				r.nack(seqs...)
			}
			if got := r.net.count() - before; got != nackBudget {
				t.Fatalf("%d resends for %d NACKs of %d packets, want the budget of %d", got, rounds, sent, nackBudget)
			}
			if got, want := int(counts.Count(LimitNACKResends)), rounds*sent-nackBudget; got != want {
				t.Fatalf("%d resends counted as refused, want %d", got, want)
			}
			// The budget spent, a NACK of the window rebuilds no packet
			// (the track's history copies it under its own lock).
			hist.mu.Lock()
			reads := hist.reads
			hist.mu.Unlock()
			clock.add(nackResendGap + time.Millisecond)
			r.nack(seqs...)
			hist.mu.Lock()
			reads = hist.reads - reads
			hist.mu.Unlock()
			if reads != 0 {
				t.Fatalf("a NACK beyond the budget read %d packets from the history, want none", reads)
			}
			more := send(100)
			before = r.net.count()
			clock.add(nackResendGap + time.Millisecond)
			r.nack(append(seqs, more...)...)
			if got := r.net.count() - before; got != 100 {
				t.Fatalf("%d resends after 100 more packets were sent, want 100", got)
			}
		})
	}
}

// TestNACKResponderOwnGapWholeWindow: a NACK naming more packets than
// 256 (the old number of resend marks), repeated within the resend gap,
// resends each packet once.
func TestNACKResponderOwnGapWholeWindow(t *testing.T) {
	const n = 512
	clock := &fakeClock{t: time.Unix(1000, 0)}
	i, err := (&nackResponderFactory{window: time.Second, now: clock.now}).NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	resp := i.(*nackResponder)
	hist := &mapHistory{pkts: map[uint16]rtp.Packet{}}
	seqs := make([]uint16, n)
	for k := range seqs {
		seqs[k] = uint16(k)
		hist.pkts[uint16(k)] = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(k), SSRC: nackVideo.SSRC}, Payload: []byte{1}}
	}
	resp.useOwn(nackVideo.SSRC, hist)
	info := nackVideo
	net := &capture{}
	resp.BindLocalStream(&info, net)
	r := &responderRig{t: t, clock: clock, resp: resp, ssrc: info.SSRC}
	for range 10 {
		clock.add(100 * time.Microsecond)
		r.nack(seqs...)
	}
	if got := net.count(); got != n {
		t.Fatalf("%d resends for 10 NACKs of %d packets within 1 ms, want %d", got, n, n)
	}
}

// TestForgetSentHistory: a sender's own history registration is dropped
// by ForgetSentHistory, also for a sender that never sent (never bound,
// so never unbound): a subscription swapping streams on one
// PeerConnection does not fill the responder's bounded map.
func TestForgetSentHistory(t *testing.T) {
	p := newPeer(t, testEngine(t, telemetry.Discard), PeerParams{})
	track, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8}, "v", "s")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := p.PeerConnection().AddTrack(track)
	if err != nil {
		t.Fatal(err)
	}
	p.UseSentHistory(sender, &mapHistory{pkts: map[uint16]rtp.Packet{}})
	own := func() int {
		p.nack.mu.Lock()
		defer p.nack.mu.Unlock()
		return len(p.nack.own)
	}
	if n := own(); n != 1 {
		t.Fatalf("%d own histories after UseSentHistory, want 1", n)
	}
	p.ForgetSentHistory(sender)
	if n := own(); n != 0 {
		t.Fatalf("%d own histories after ForgetSentHistory, want 0", n)
	}
}
