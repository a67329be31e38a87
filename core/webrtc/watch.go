package webrtc

import (
	"encoding/binary"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// streamCounters are one SSRC's statistics. The packet path touches only
// atomics (and, for a received stream, the receive state its single reader
// goroutine owns); the Peer's ticker reads the atomics.
type streamCounters struct {
	ssrc    uint32
	mime    string
	clock   uint32
	packets atomic.Uint64
	bytes   atomic.Uint64 // header and payload
	nacks   atomic.Uint64 // received stream: NACKs we sent; sent stream: NACKs received

	// Received stream: loss and interarrival jitter (RFC 3550 6.4.1, A.3,
	// A.8), kept by the reader in rx and published here.
	rx     rxState
	lost   atomic.Int64  // expected − received, cumulative
	jitter atomic.Uint64 // math.Float64bits, seconds

	// Sent stream: from the peer's receiver reports.
	remoteLost     atomic.Int64
	remoteJitter   atomic.Uint64 // math.Float64bits, seconds
	remoteFraction atomic.Uint32 // fraction lost × 256 in the last report
	rtt            atomic.Int64  // nanoseconds, 0 until a report carried LSR
}

// rxState is a received stream's sequence and transit tracking, owned by
// the stream's reader.
type rxState struct {
	started     bool
	base, max   uint16
	cycles      int64
	received    int64
	lastTransit float64 // RTP clock units
	jitter      float64 // RTP clock units
	t0          time.Time
}

// receive accounts one packet (sequence number, RTP timestamp, arrival).
func (c *streamCounters) receive(seq uint16, ts uint32, at time.Time) {
	r := &c.rx
	r.received++
	transit := at.Sub(r.t0).Seconds()*float64(c.clock) - float64(ts)
	if !r.started {
		r.started, r.base, r.max, r.t0 = true, seq, seq, at
		r.lastTransit = -float64(ts)
		c.lost.Store(0)
		return
	}
	if d := seq - r.max; d != 0 && d < 0x8000 { // ahead of the highest seen
		if seq < r.max {
			r.cycles += 1 << 16
		}
		r.max = seq
	}
	if c.clock > 0 {
		// RTP timestamps wrap; the difference of consecutive transits is
		// taken modulo 2^32 so a wrap is not a jump.
		d := transit - r.lastTransit
		if d > 1<<31 {
			d -= 1 << 32
		} else if d < -(1 << 31) {
			d += 1 << 32
		}
		r.lastTransit = transit
		r.jitter += (math.Abs(d) - r.jitter) / 16
		c.jitter.Store(math.Float64bits(r.jitter / float64(c.clock)))
	}
	expected := r.cycles + int64(r.max) - int64(r.base) + 1
	c.lost.Store(expected - r.received)
}

// mediaWatch is a per-PeerConnection interceptor that keeps the statistics
// of the media reports: RTP packets and bytes per SSRC in both directions,
// loss and jitter of what arrives, the peer's receiver reports (loss,
// jitter, RTT) of what is sent, NACKs both ways and the feedback received
// (REMB, PLI, FIR). It never blocks and never locks per packet. It sits
// innermost, next to the network, so it sees what other interceptors send
// too (NACKs, retransmissions).
type mediaWatch struct {
	interceptor.NoOp

	mu     sync.Mutex
	remote map[uint32]*streamCounters
	local  map[uint32]*streamCounters

	firstPacket chan struct{} // non-blocking notification: a stream got its first packet

	rembBitrate atomic.Uint64 // last REMB bitrate received (bps)
	plisIn      atomic.Uint64 // PLI + FIR received from the remote peer

	now func() time.Time // tests
}

func newMediaWatch() *mediaWatch {
	return &mediaWatch{
		remote:      map[uint32]*streamCounters{},
		local:       map[uint32]*streamCounters{},
		firstPacket: make(chan struct{}, 1),
		now:         time.Now,
	}
}

// BindRemoteStream counts incoming RTP of one SSRC and, for a media (not
// repair) stream, its loss and jitter. The header comes parsed from the
// header cache below.
func (w *mediaWatch) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	c := &streamCounters{ssrc: info.SSRC, mime: info.MimeType, clock: info.ClockRate}
	w.mu.Lock()
	w.remote[info.SSRC] = c
	w.mu.Unlock()
	track := !isRepairStream(info)
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil || n <= 0 {
			return n, attr, err
		}
		c.bytes.Add(uint64(n))
		if c.packets.Add(1) == 1 {
			select {
			case w.firstPacket <- struct{}{}:
			default:
			}
		}
		if track {
			if seq, ts, ok := rtpSeqTimestamp(b[:n]); ok {
				c.receive(seq, ts, w.now())
			}
		}
		return n, attr, err
	})
}

// rtpSeqTimestamp reads the sequence number and timestamp of an RTP
// packet from its fixed header (RFC 3550 5.1). They sit at fixed offsets,
// so no parse is needed; reading them here instead of the header that the
// header cache stored in the attributes saves a look-up in the attributes
// map (an interface-keyed map) per received packet. What arrives here has
// passed SRTP, which parsed the whole header already.
func rtpSeqTimestamp(b []byte) (seq uint16, ts uint32, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(b[2:4]), binary.BigEndian.Uint32(b[4:8]), true
}

// stream returns the counters of one SSRC, nil if unknown.
func (w *mediaWatch) stream(remote bool, ssrc uint32) *streamCounters {
	w.mu.Lock()
	defer w.mu.Unlock()
	if remote {
		return w.remote[ssrc]
	}
	return w.local[ssrc]
}

// UnbindRemoteStream forgets an incoming SSRC.
func (w *mediaWatch) UnbindRemoteStream(info *interceptor.StreamInfo) {
	w.mu.Lock()
	delete(w.remote, info.SSRC)
	w.mu.Unlock()
}

// BindLocalStream counts outgoing RTP of one SSRC.
func (w *mediaWatch) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	c := &streamCounters{ssrc: info.SSRC, mime: info.MimeType, clock: info.ClockRate}
	w.mu.Lock()
	w.local[info.SSRC] = c
	w.mu.Unlock()
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n, err := writer.Write(h, payload, a)
		if err == nil {
			c.packets.Add(1)
			c.bytes.Add(uint64(h.MarshalSize() + len(payload)))
		}
		return n, err
	})
}

// UnbindLocalStream forgets an outgoing SSRC.
func (w *mediaWatch) UnbindLocalStream(info *interceptor.StreamInfo) {
	w.mu.Lock()
	delete(w.local, info.SSRC)
	w.mu.Unlock()
}

// BindRTCPReader records the remote peer's receiver reports, NACKs, REMB
// and picture-loss feedback.
func (w *mediaWatch) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		if attr == nil {
			attr = interceptor.Attributes{}
		}
		pkts, perr := attr.GetRTCPPackets(b[:n])
		if perr != nil {
			return n, attr, nil //nolint:nilerr // malformed RTCP is not our reader's error
		}
		now := w.now()
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				w.rembBitrate.Store(uint64(p.Bitrate))
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				w.plisIn.Add(1)
			case *rtcp.ReceiverReport:
				w.reports(p.Reports, now)
			case *rtcp.SenderReport:
				w.reports(p.Reports, now)
			case *rtcp.TransportLayerNack:
				if c := w.stream(false, p.MediaSSRC); c != nil {
					c.nacks.Add(1)
				}
			}
		}
		return n, attr, nil
	})
}

// reports takes the peer's reception reports about the streams we send
// (loss, jitter, and the RTT of reportRTT).
func (w *mediaWatch) reports(blocks []rtcp.ReceptionReport, now time.Time) {
	for _, rb := range blocks {
		c := w.stream(false, rb.SSRC)
		if c == nil {
			continue
		}
		lost := int64(rb.TotalLost & 0xffffff)
		if lost&0x800000 != 0 { // 24-bit signed
			lost -= 1 << 24
		}
		c.remoteLost.Store(lost)
		c.remoteFraction.Store(uint32(rb.FractionLost))
		if c.clock > 0 {
			c.remoteJitter.Store(math.Float64bits(float64(rb.Jitter) / float64(c.clock)))
		}
		if rtt, ok := reportRTT(rb, now); ok {
			c.rtt.Store(int64(rtt))
		}
	}
}

// reportRTT is the round-trip time a reception report arriving at now
// gives: its arrival minus the LSR it echoes minus the DLSR it held it
// (RFC 3550 6.4.1), in 1/65536 s. A report naming no sender report, or
// giving a negative time (clocks, a forged report), gives none.
func reportRTT(rb rtcp.ReceptionReport, now time.Time) (time.Duration, bool) {
	if rb.LastSenderReport == 0 {
		return 0, false
	}
	d := ntpMiddle(now) - rb.LastSenderReport - rb.Delay
	if d >= 1<<31 {
		return 0, false
	}
	return time.Duration(d) * time.Second / 65536, true
}

// ntpMiddle is the middle 32 bits of the NTP timestamp of t (16.16 s).
func ntpMiddle(t time.Time) uint32 {
	const ntpEpochOffset = 2208988800 // 1900 to 1970, seconds
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return uint32((secs<<32 | frac) >> 16)
}

// BindRTCPWriter counts the NACKs we send, per received stream.
func (w *mediaWatch) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if nack, ok := p.(*rtcp.TransportLayerNack); ok {
				if c := w.stream(true, nack.MediaSSRC); c != nil {
					c.nacks.Add(1)
				}
			}
		}
		return writer.Write(pkts, a)
	})
}

// snapshot returns the counters of one direction, keyed by SSRC.
func (w *mediaWatch) snapshot(remote bool) map[uint32]*streamCounters {
	w.mu.Lock()
	defer w.mu.Unlock()
	src := w.local
	if remote {
		src = w.remote
	}
	out := make(map[uint32]*streamCounters, len(src))
	for k, v := range src {
		out[k] = v
	}
	return out
}

// watchFactory builds one mediaWatch per PeerConnection.
type watchFactory struct{ onNew func(*mediaWatch) }

// NewInterceptor implements interceptor.Factory.
func (f *watchFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	w := newMediaWatch()
	if f.onNew != nil {
		f.onNew(w)
	}
	return w, nil
}

var (
	_ interceptor.Interceptor = (*mediaWatch)(nil)
	_ interceptor.Factory     = (*watchFactory)(nil)
)
