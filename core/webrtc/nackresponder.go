package webrtc

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/shrink"
)

// NACK send history defaults. Like Janus (min_nack_queue, 200 ms by
// default, up to 1 s), Argus keeps at least DefaultNACKWindow of sent
// packets per stream, more when the round-trip time needs it: a repeated
// NACK comes about two round trips after the packet, so the window is
// twice the RTT measured from the client's receiver reports, between the
// configured minimum and MaxNACKWindow. A packet cap bounds bursts (a key
// frame of a high-bitrate stream), pion's old fixed size as that cap.
const (
	DefaultNACKWindow = 200 * time.Millisecond
	MaxNACKWindow     = time.Second
	nackMaxPackets    = 1024
	nackMinSlots      = 16
	// nackResendGap is the shortest time between two retransmissions of
	// one packet: a NACK repeated before the first repair could arrive is
	// ignored.
	nackResendGap = 20 * time.Millisecond
	// nackBudget is a stream's retransmit budget: it starts with this
	// many resends, earns one per packet the stream sends, and holds at
	// most this many. Over any stretch of time a stream is resent at most
	// nackBudget packets more than it sent: a client's NACKs cannot make
	// Argus send more than about twice the stream's own rate, however
	// often they name the packets of the window (a real client's NACKs
	// ask for what it lost, a fraction of what was sent). A resend beyond
	// the budget is dropped and counted (LimitNACKResends).
	nackBudget = nackMaxPackets
)

// nackResponderFactory builds one nackResponder per PeerConnection.
//
// It replaces pion's responder (interceptor/pkg/nack), which keeps a fixed
// count (1024) of MTU-sized copies per outgoing stream: about 1.5 MB per
// video stream whatever its bitrate. This one keeps only the packets sent
// within the last window, each copy the size of the packet, in a ring that
// grows with the stream's packet rate and shrinks when it falls.
type nackResponderFactory struct {
	window time.Duration
	now    func() time.Time // tests
	// onNew, if set, is given each responder as it is built (the Engine
	// hands it to the Peer being created, for UseSentHistory).
	onNew func(*nackResponder)
	// refusals, if set, counts the resends dropped beyond a stream's
	// budget (LimitNACKResends).
	refusals RefusalCounter
}

// NewInterceptor implements interceptor.Factory.
func (f *nackResponderFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	window := f.window
	if window <= 0 {
		window = DefaultNACKWindow
	}
	n := &nackResponder{window: window, now: f.now, refusals: f.refusals,
		streams: map[uint32]*sendHistory{}, own: map[uint32]SentHistory{}}
	if n.now == nil {
		// time.Since reads only the monotonic clock; time.Now reads the
		// wall clock too, once per sent packet here.
		n.now = time.Now
		start := time.Now()
		n.elapsed = func() time.Duration { return time.Since(start) }
	} else {
		start := n.now()
		n.elapsed = func() time.Duration { return n.now().Sub(start) }
	}
	if f.onNew != nil {
		f.onNew(n)
	}
	return n, nil
}

// SentHistory is implemented by a local track that keeps what it sent
// itself, so the NACK responder answers the stream's NACKs from it instead
// of copying every packet written. A VideoRoom subscriber's track is one:
// all its packets are its publisher's, kept once per publisher stream
// however many subscribers it has, and rewritten on demand.
type SentHistory interface {
	// SentPacket fills pkt with the packet the track sent with sequence
	// number seq, header and payload exactly as written to the stream but
	// without RTP padding, in memory that pkt alone holds, and returns how
	// long ago it was sent. ok is false when the track no longer has it.
	SentPacket(seq uint16, pkt *rtp.Packet) (age time.Duration, ok bool)
	// NACKWindow tells the track how old a packet the responder may ask
	// for: the configured window when the stream is bound, then twice the
	// RTT (within the configured minimum and MaxNACKWindow) whenever it
	// changes. A packet older than that is never asked for, so the track
	// need not keep it.
	NACKWindow(window time.Duration)
}

// UseSentHistory makes the NACK responder answer the NACKs of sender's
// streams from h, which keeps the sent packets itself: nothing is copied
// per packet for them. Call it before the sender is negotiated (right
// after adding its track); it changes nothing for a stream that is
// already sending. A stream that did not negotiate NACK gets no answers,
// as any other. The window (twice the RTT, within the configured minimum
// and MaxNACKWindow), the resend gap and RTX apply as to the responder's
// own history.
func (p *Peer) UseSentHistory(sender *pion.RTPSender, h SentHistory) {
	if p.nack == nil || sender == nil || h == nil {
		return
	}
	for _, e := range sender.GetParameters().Encodings {
		p.nack.useOwn(uint32(e.SSRC), h)
	}
}

// nackResponder answers RTCP generic NACKs by resending packets from the
// per-stream send history (as RTX when RTX was negotiated). Streams whose
// codec did not negotiate "nack" get no history (audio, normally).
type nackResponder struct {
	interceptor.NoOp
	window time.Duration
	now    func() time.Time
	// elapsed is the time since the responder started, as a compact
	// clock for the send histories.
	elapsed  func() time.Duration
	refusals RefusalCounter // nil: not counted

	mu      sync.Mutex
	streams map[uint32]*sendHistory
	// own holds the tracks that keep their own history, by SSRC
	// (UseSentHistory); one per sender encoding of the PeerConnection,
	// dropped when the stream is unbound, at most nackMaxOwn.
	own map[uint32]SentHistory
}

// nackMaxOwn bounds the tracks with their own history one PeerConnection
// remembers (a sender removed before it was ever bound leaves its entry
// until Close); beyond it a stream keeps the responder's own copy.
const nackMaxOwn = 1024

// useOwn records that the stream sent with ssrc answers from h.
// ForgetSentHistory undoes UseSentHistory for sender, whose stream ends
// (a subscriber's stream removed): a sender stopped before it ever sent
// is never unbound, and its entry would stay until the PeerConnection
// ends.
func (p *Peer) ForgetSentHistory(sender *pion.RTPSender) {
	if p.nack == nil || sender == nil {
		return
	}
	p.nack.mu.Lock()
	for _, e := range sender.GetParameters().Encodings {
		delete(p.nack.own, uint32(e.SSRC))
	}
	p.nack.mu.Unlock()
}

func (n *nackResponder) useOwn(ssrc uint32, h SentHistory) {
	n.mu.Lock()
	if _, ok := n.own[ssrc]; ok || len(n.own) < nackMaxOwn {
		n.own[ssrc] = h
	}
	n.mu.Unlock()
}

// streamNegotiatedNACK reports whether a stream negotiated generic NACK.
func streamNegotiatedNACK(info *interceptor.StreamInfo) bool {
	for _, fb := range info.RTCPFeedback {
		if fb.Type == "nack" && fb.Parameter == "" {
			return true
		}
	}
	return false
}

// BindLocalStream records every packet of a NACK-capable outgoing stream.
func (n *nackResponder) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	if !streamNegotiatedNACK(info) {
		return writer
	}
	window := n.window
	h := &sendHistory{
		ssrc:    info.SSRC,
		window:  window,
		writer:  writer,
		rtxSSRC: info.SSRCRetransmission,
		rtxPT:   info.PayloadTypeRetransmission,
		rtxSeq:  uint16(rand.Uint32()), //nolint:gosec // RTP sequence start, not a secret
		tokens:  nackBudget,
	}
	n.mu.Lock()
	h.own = n.own[info.SSRC]
	n.streams[info.SSRC] = h
	n.mu.Unlock()
	if h.own != nil {
		// h.window is followRTT's (under h.mu) once h is in streams.
		h.own.NACKWindow(window)
		// The track keeps the packets: nothing to copy, only the count
		// of packets sent that earns the retransmit budget.
		return interceptor.RTPWriterFunc(func(hdr *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
			if hdr.SSRC == info.SSRC {
				h.sent.Add(1)
			}
			return writer.Write(hdr, payload, a)
		})
	}
	return interceptor.RTPWriterFunc(func(hdr *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if hdr.SSRC == info.SSRC {
			if hdr.Padding {
				stored, body := withoutPadding(hdr, payload)
				h.add(n.elapsed(), &stored, body)
			} else {
				h.add(n.elapsed(), hdr, payload)
			}
		}
		return writer.Write(hdr, payload, a)
	})
}

// UnbindLocalStream drops a stream's history.
func (n *nackResponder) UnbindLocalStream(info *interceptor.StreamInfo) {
	n.mu.Lock()
	delete(n.streams, info.SSRC)
	delete(n.own, info.SSRC)
	n.mu.Unlock()
}

// Close drops every history.
func (n *nackResponder) Close() error {
	n.mu.Lock()
	n.streams = map[uint32]*sendHistory{}
	n.own = map[uint32]SentHistory{}
	n.mu.Unlock()
	return nil
}

// BindRTCPReader answers the NACKs in incoming RTCP, synchronously on the
// RTCP read path (no goroutine per NACK): resends are UDP writes.
func (n *nackResponder) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		i, attr, err := reader.Read(b, a)
		if err != nil {
			return 0, nil, err
		}
		if attr == nil {
			attr = make(interceptor.Attributes)
		}
		pkts, err := attr.GetRTCPPackets(b[:i])
		if err != nil {
			return 0, nil, err
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				n.answer(p)
			case *rtcp.ReceiverReport:
				n.followRTT(p.Reports)
			case *rtcp.SenderReport:
				n.followRTT(p.Reports)
			}
		}
		return i, attr, nil
	})
}

// followRTT sets the window of each stream a reception report is about
// to twice the round-trip time it gives (reportRTT), within [minimum,
// MaxNACKWindow]. A report that gives no round-trip time changes nothing.
func (n *nackResponder) followRTT(reports []rtcp.ReceptionReport) {
	if len(reports) == 0 {
		return
	}
	now := n.now()
	for _, r := range reports {
		rtt, ok := reportRTT(r, now)
		if !ok {
			continue
		}
		window := min(max(2*rtt, n.window), MaxNACKWindow)
		n.mu.Lock()
		h := n.streams[r.SSRC]
		n.mu.Unlock()
		if h != nil {
			h.mu.Lock()
			changed := h.window != window
			h.window = window
			h.mu.Unlock()
			if changed && h.own != nil {
				h.own.NACKWindow(window)
			}
		}
	}
}

// answer resends what the history still holds of one NACK, within the
// stream's retransmit budget, and counts the resends it dropped.
func (n *nackResponder) answer(nack *rtcp.TransportLayerNack) {
	n.mu.Lock()
	h := n.streams[nack.MediaSSRC]
	n.mu.Unlock()

	if h == nil {
		return
	}
	now := n.elapsed()
	refused := 0
	for _, pair := range nack.Nacks {
		pair.Range(func(seq uint16) bool {
			if h.resend(now, seq) {
				refused++
			}
			return true
		})
	}
	if refused > 0 && n.refusals != nil {
		n.refusals.Refused(LimitNACKResends, refused)
	}
}

// histSlot is one sent packet: its marshalled header and payload in buf
// (an evicted packet's buffer goes to sendHistory.free for reuse).
type histSlot struct {
	at         time.Duration // send time on the responder's clock
	lastResend time.Duration // 0: never resent
	seq        uint16
	buf        []byte
}

// sendHistory is one outgoing stream's ring of recently sent packets.
type sendHistory struct {
	ssrc    uint32
	window  time.Duration
	writer  interceptor.RTPWriter
	rtxSSRC uint32
	rtxPT   uint8

	// own, if set, keeps the stream's packets (SentHistory): slots stay
	// empty, and resent remembers what was resent when (made at the
	// stream's first NACK).
	own    SentHistory
	resent *[ownResendMarks]resendMark

	// sent counts the packets written on a stream with its own history;
	// each one earns a token of the retransmit budget (nackBudget) when a
	// NACK comes. add earns the tokens of the others itself.
	sent atomic.Uint64

	mu    sync.Mutex
	slots []histSlot // ring; oldest at head
	head  int
	n     int
	// free holds evicted packets' buffers for add to reuse, so the
	// buffers held follow the packets in the window, not the ring size.
	free   shrink.Spares
	shrink shrink.Gate // when evict halves the ring
	rtxSeq uint16
	// tokens is the retransmit budget left; credited is the value of
	// sent already turned into tokens.
	tokens   int
	credited uint64
}

// add stores a copy of one sent packet, evicting packets older than the
// window and growing the ring up to nackMaxPackets when the window holds
// more packets than it has slots. Each packet earns a resend of the
// stream's budget.
func (h *sendHistory) add(now time.Duration, hdr *rtp.Header, payload []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.evict(now)
	if h.n == len(h.slots) {
		if len(h.slots) < nackMaxPackets {
			h.resize(max(nackMinSlots, 2*len(h.slots)))
		} else {
			h.head = h.wrap(h.head + 1) // full: overwrite the oldest
			h.n--
		}
	}
	s := &h.slots[h.wrap(h.head+h.n)]
	if s.buf == nil {
		s.buf = h.free.Take()
	}
	plain := !hdr.Padding && !hdr.Extension && len(hdr.CSRC) == 0
	hn := rtpFixedHeader
	if !plain {
		hn = hdr.MarshalSize()
	}
	size := hn + len(payload)
	if cap(s.buf) < size {
		s.buf = make([]byte, size)
	}
	s.buf = s.buf[:size]
	if plain {
		putFixedHeader(s.buf, hdr)
	} else if _, err := hdr.MarshalTo(s.buf); err != nil {
		return
	}
	copy(s.buf[hn:], payload)
	s.at, s.lastResend, s.seq = now, 0, hdr.SequenceNumber
	h.n++
	if h.tokens < nackBudget {
		h.tokens++ // the packet earns a resend (under h.mu: no atomic)
	}
}

// putFixedHeader writes hdr, which has no CSRC, extension or padding, as
// the rtpFixedHeader bytes of RFC 3550 5.1 into b: the header of what a
// VideoRoom subscriber is sent (the plugin drops the publisher's header
// extensions), written at a fraction of the cost of pion's general
// marshal.
func putFixedHeader(b []byte, hdr *rtp.Header) {
	b[0] = hdr.Version << 6
	b[1] = hdr.PayloadType & 0x7f
	if hdr.Marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:4], hdr.SequenceNumber)
	binary.BigEndian.PutUint32(b[4:8], hdr.Timestamp)
	binary.BigEndian.PutUint32(b[8:12], hdr.SSRC)
}

// wrap maps i, one ring length past the end at most, into the ring (no
// division per packet).
func (h *sendHistory) wrap(i int) int {
	if i >= len(h.slots) {
		i -= len(h.slots)
	}
	return i
}

// withoutPadding returns the packet as stored for resending: without RTP
// padding (padding carries no media; the stored copy need not keep it),
// also when an old-style sender left the padding in the payload.
func withoutPadding(hdr *rtp.Header, payload []byte) (rtp.Header, []byte) {
	h := *hdr
	if h.Padding {
		if h.PaddingSize == 0 && len(payload) > 0 {
			if pad := int(payload[len(payload)-1]); pad <= len(payload) {
				payload = payload[:len(payload)-pad]
			}
		}
		h.Padding, h.PaddingSize = false, 0
	}
	return h, payload
}

// evict drops packets older than the window and shrinks a ring that is
// mostly empty (the stream's rate fell), releasing those slots' buffers.
func (h *sendHistory) evict(now time.Duration) {
	for h.n > 0 && now-h.slots[h.head].at > h.window {
		s := &h.slots[h.head]
		h.free.Give(s.buf)
		s.buf = nil
		h.head = h.wrap(h.head + 1)
		h.n--
	}
	if h.shrink.Halve(h.n, len(h.slots), nackMinSlots, now, h.window) {
		h.resize(len(h.slots) / 2)
	}
}

// resize moves the live packets into a ring of size slots, oldest first.
// Spare buffers beyond what the new ring can hold are released.
func (h *sendHistory) resize(size int) {
	next := make([]histSlot, size)
	for i := range h.n {
		next[i] = h.slots[(h.head+i)%len(h.slots)]
	}
	h.slots, h.head = next, 0
	h.free.Trim(size - h.n)
}

// find returns the slot holding seq, or nil. Sequence numbers are normally
// consecutive, so the slot is found by its offset from the newest; after a
// gap in the sent sequence (the echo forwards the client's own numbers, and
// the client loses packets) by binary search on the distance from the
// newest, which falls from oldest to newest. A sequence number outside the
// stored range costs O(1), any other O(log n): a client's NACK, up to
// hundreds of numbers, cannot make the responder scan the ring.
func (h *sendHistory) find(seq uint16) *histSlot {
	if h.n == 0 {
		return nil
	}
	at := func(i int) *histSlot { return &h.slots[(h.head+i)%len(h.slots)] }
	newest := at(h.n - 1).seq
	d := newest - seq
	if d > newest-at(0).seq {
		return nil // outside the stored range
	}
	if i := h.n - 1 - int(d); i >= 0 {
		if s := at(i); s.seq == seq {
			return s
		}
	}
	lo, hi := 0, h.n-1 // distance from newest decreases with the index
	for lo <= hi {
		mid := (lo + hi) / 2
		switch md := newest - at(mid).seq; {
		case md == d:
			return at(mid)
		case md > d:
			lo = mid + 1
		default:
			hi = mid - 1
		}
	}
	return nil
}

// spend takes one resend from the budget, first adding a token per
// packet sent since the last call (up to nackBudget); false when none is
// left. Called with h.mu held.
func (h *sendHistory) spend() bool {
	if !h.canSpend() {
		return false
	}
	h.tokens--
	return true
}

// canSpend credits the packets sent since the last look and reports
// whether a resend is within the budget (h.mu held), spending nothing.
func (h *sendHistory) canSpend() bool {
	sent := h.sent.Load()
	if earned := sent - h.credited; earned >= nackBudget {
		h.tokens = nackBudget
	} else {
		h.tokens = min(nackBudget, h.tokens+int(earned))
	}
	h.credited = sent
	return h.tokens > 0
}

// resend writes one stored packet again, as RTX when negotiated. A packet
// resent less than nackResendGap ago is skipped; refused reports a resend
// dropped for want of budget.
func (h *sendHistory) resend(now time.Duration, seq uint16) (refused bool) {
	if h.own != nil {
		return h.resendOwn(now, seq)
	}
	h.mu.Lock()
	s := h.find(seq)
	if s == nil || now-s.at > h.window || (s.lastResend != 0 && now-s.lastResend < nackResendGap) {
		h.mu.Unlock()
		return false
	}
	if !h.spend() {
		h.mu.Unlock()
		return true
	}
	s.lastResend = max(now, 1)
	var pkt rtp.Packet
	err := pkt.Unmarshal(s.buf)
	if err == nil {
		// Unmarshal aliases s.buf, which the next add may overwrite.
		pkt.Payload = append([]byte(nil), pkt.Payload...)
		if h.rtxSSRC != 0 && h.rtxPT != 0 {
			h.toRTX(&pkt)
		}
	}
	h.mu.Unlock()
	if err != nil {
		return false
	}
	_, _ = h.writer.Write(&pkt.Header, pkt.Payload, interceptor.Attributes{})
	return false
}

// ownResendMarks is how many recent retransmissions of a stream with its
// own history are remembered for nackResendGap, by sequence number modulo
// this (a power of two): as many as the responder's own history holds
// (nackMaxPackets) and the VideoRoom's sent log remembers, so every packet
// a track can still resend has a mark of its own. Two sequence numbers
// of one mark both resent within the gap would need a window of more
// packets than that: the second is dropped as beyond the budget.
const ownResendMarks = nackMaxPackets

// resendMark is when seq was last resent (0: never).
type resendMark struct {
	seq uint16
	at  time.Duration
}

// resendOwn is resend for a stream whose track keeps its history: the
// packet comes from the track, the window, the resend gap, the budget
// and RTX are the responder's.
func (h *sendHistory) resendOwn(now time.Duration, seq uint16) (refused bool) {
	h.mu.Lock()
	if h.resent == nil {
		h.resent = new([ownResendMarks]resendMark)
	}
	skip, refused := h.markBusy(now, seq)
	if !skip && !h.canSpend() {
		skip, refused = true, true // no packet rebuilt beyond the budget either
	}
	h.mu.Unlock()
	if skip {
		return refused // no packet rebuilt for a repeated NACK
	}
	var pkt rtp.Packet
	age, ok := h.own.SentPacket(seq, &pkt)
	if !ok {
		return false
	}
	h.mu.Lock()
	if age > h.window {
		h.mu.Unlock()
		return false
	}
	if skip, refused = h.markBusy(now, seq); skip {
		h.mu.Unlock()
		return refused
	}
	if !h.spend() {
		h.mu.Unlock()
		return true
	}
	m := &h.resent[seq&(ownResendMarks-1)]
	m.seq, m.at = seq, max(now, 1)
	if h.rtxSSRC != 0 && h.rtxPT != 0 {
		h.toRTX(&pkt)
	}
	h.mu.Unlock()
	_, _ = h.writer.Write(&pkt.Header, pkt.Payload, interceptor.Attributes{})
	return false
}

// markBusy reports whether seq's mark forbids resending it now: seq was
// resent less than nackResendGap ago (skip), or another sequence number
// of the same mark was (skip and refused). Called with h.mu held.
func (h *sendHistory) markBusy(now time.Duration, seq uint16) (skip, refused bool) {
	m := &h.resent[seq&(ownResendMarks-1)]
	if m.at == 0 || now-m.at >= nackResendGap {
		return false, false
	}
	return true, m.seq != seq
}

// toRTX rewrites pkt as its RFC 4588 retransmission: RTX SSRC, payload
// type and sequence number, original sequence number before the payload
// (stored packets carry no padding). Called with h.mu held.
func (h *sendHistory) toRTX(pkt *rtp.Packet) {
	payload := pkt.Payload
	out := make([]byte, 2+len(payload))
	binary.BigEndian.PutUint16(out, pkt.SequenceNumber)
	copy(out[2:], payload)
	pkt.Payload = out
	pkt.SSRC = h.rtxSSRC
	pkt.PayloadType = h.rtxPT
	pkt.SequenceNumber = h.rtxSeq
	h.rtxSeq++
}
