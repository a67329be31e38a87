package webrtc

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
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
	rx rxState
	// progress is the extended highest sequence number received (high 32
	// bits) and the cumulative number lost, expected − received, as an
	// int32 (low 32 bits): one store per packet, and the receiver report
	// reads both from the same packet.
	progress atomic.Uint64
	base     atomic.Uint32 // 1<<16 | first sequence number; 0 until a packet arrived
	jitter   atomic.Uint64 // math.Float64bits, seconds
	// lastSR is the peer's last sender report about this stream: the
	// middle 32 bits of its NTP time (high) and its arrival on the
	// watch's clock (low, 1/65536 s), for LSR and DLSR.
	lastSR atomic.Uint64
	// rrPrior is what the last receiver report covered (RFC 3550 A.3);
	// guarded by mediaWatch.mu (appendReports builds reports under it).
	rrPrior struct {
		ext  uint32
		lost int32
		set  bool
	}

	// Sent stream, for our sender reports: payload octets of the packets
	// sent with the stream's own SSRC, the packets sent with another
	// (RTX retransmissions, which packets counts too), and the newest RTP
	// timestamp with its send time on the watch's clock (high and low 32
	// bits; 1/65536 s).
	payload atomic.Uint64
	foreign atomic.Uint64
	lastTS  atomic.Uint64

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
		c.progress.Store(uint64(seq) << 32)
		c.base.Store(1<<16 | uint32(seq))
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
	lost := min(max(expected-r.received, math.MinInt32), math.MaxInt32)
	ext := uint32(r.cycles) + uint32(r.max) //nolint:gosec // the extended sequence number wraps at 2^32
	c.progress.Store(uint64(ext)<<32 | uint64(uint32(int32(lost))))
}

// lost is the cumulative number of packets lost (expected − received;
// negative with duplicates).
func (c *streamCounters) lost() int64 { return int64(int32(uint32(c.progress.Load()))) }

// rtpStepBack is how far back (in RTP clock units) a sent timestamp may
// lie behind the newest one and still be taken for a retransmission of an
// older frame: 2^22, 46 s at 90 kHz, far beyond any NACK history. A
// timestamp further back is a new timeline (the plugin switched sources)
// and restarts the sender report's clock.
const rtpStepBack = 1 << 22

// sent accounts one packet sent with the stream's own SSRC for the
// sender report: its payload and, when its timestamp is newer than the
// last one seen (a new frame, not a retransmission's older one), the
// timestamp and the time it left at.
func (c *streamCounters) sent(ts uint32, payload int, w *mediaWatch) {
	c.payload.Add(uint64(payload)) //nolint:gosec // a length
	last := c.lastTS.Load()
	if d := int32(ts - uint32(last>>32)); last == 0 || d > 0 || d < -rtpStepBack { //nolint:gosec // wraps on purpose
		c.lastTS.Store(uint64(ts)<<32 | uint64(w.clock(w.now())))
	}
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

	// RTCP reports (reports.go): the Engine's ticker has them written
	// through rtcpOut, set once when pion binds the RTCP writer; rrSSRC is
	// the sender SSRC of our receiver reports.
	ticker  *rtcpTicker
	rtcpOut interceptor.RTCPWriter
	rrSSRC  uint32
	start   time.Time // origin of clock

	now func() time.Time // tests
}

func newMediaWatch() *mediaWatch {
	w := &mediaWatch{
		remote:      map[uint32]*streamCounters{},
		local:       map[uint32]*streamCounters{},
		firstPacket: make(chan struct{}, 1),
		rrSSRC:      rand.Uint32(), //nolint:gosec // an SSRC, not a secret
		now:         time.Now,
	}
	w.start = w.now()
	return w
}

// clock is t on the watch's 32-bit clock, in 1/65536 s since the watch
// began, wrapping every 18 hours: differences of two readings less than
// that apart are exact modulo 2^32, which is all that the reports need
// (the delay since the last sender report, the time since a frame left).
func (w *mediaWatch) clock(t time.Time) uint32 {
	d := t.Sub(w.start)
	secs, frac := d/time.Second, d%time.Second
	return uint32(int64(secs)<<16 + int64(frac)*65536/int64(time.Second)) //nolint:gosec // wraps on purpose
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
			if h.SSRC == c.ssrc {
				c.sent(h.Timestamp, len(payload), w)
			} else {
				c.foreign.Add(1)
			}
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
				if c := w.stream(true, p.SSRC); c != nil {
					c.lastSR.Store(uint64(uint32(p.NTPTime>>16))<<32 | uint64(w.clock(now)))
				}
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

// ntpTime is the 64-bit NTP timestamp of t (32.32 s since 1900).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800          // 1900 to 1970, seconds
	secs := uint64(t.Unix()) + ntpEpochOffset  //nolint:gosec // times after 1970
	frac := uint64(t.Nanosecond()) << 32 / 1e9 //nolint:gosec // 0..1e9
	return secs<<32 | frac
}

// ntpMiddle is the middle 32 bits of the NTP timestamp of t (16.16 s).
func ntpMiddle(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) }

// BindRTCPWriter counts the NACKs we send, per received stream, and
// starts this PeerConnection's sender and receiver reports (reports.go),
// which the Engine's ticker writes through the writer below.
func (w *mediaWatch) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	if w.ticker != nil {
		w.rtcpOut = writer // before add: the ticker reads it after add
		w.ticker.add(w, reportInterval)
	}
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

// Close stops this PeerConnection's reports.
func (w *mediaWatch) Close() error {
	if w.ticker != nil {
		w.ticker.remove(w)
	}
	return nil
}

// watchFactory builds one mediaWatch per PeerConnection; the watches
// send RTCP reports from ticker when it is set.
type watchFactory struct {
	onNew  func(*mediaWatch)
	ticker *rtcpTicker
}

// NewInterceptor implements interceptor.Factory.
func (f *watchFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	w := newMediaWatch()
	w.ticker = f.ticker
	if f.onNew != nil {
		f.onNew(w)
	}
	return w, nil
}

var (
	_ interceptor.Interceptor = (*mediaWatch)(nil)
	_ rtcpTask                = (*mediaWatch)(nil)
	_ interceptor.Factory     = (*watchFactory)(nil)
)
