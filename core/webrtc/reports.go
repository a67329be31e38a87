package webrtc

import (
	"math"
	"time"

	"github.com/pion/rtcp"
)

// reportInterval is how often every PeerConnection sends its sender and
// receiver reports: pion's interval, and about a browser's for video.
const reportInterval = time.Second

// Report packet limits.
const (
	// rtcpMaxCompound bounds one compound packet of reports (our own
	// budget, under any path MTU with SRTCP's overhead): 40 sender
	// reports, or a receiver report about 31 streams and 15 sender reports.
	rtcpMaxCompound = 1200
	// rrMaxBlocks is the most report blocks one RR carries (RFC 3550 6.4.2:
	// a 5-bit count).
	rrMaxBlocks = 31
)

// tick sends this PeerConnection's RTCP sender reports (RFC 3550 6.4.1),
// one per stream it sends, and receiver reports (6.4.2) with a block per
// media stream it receives, built from the counters mediaWatch keeps
// anyway. The Engine's rtcpTicker calls it once per reportInterval.
//
// This replaces pion's report interceptors, which ran two goroutines per
// PeerConnection (a ticker loop each) and took a lock per packet sent and
// received: here the packet path only updates mediaWatch's atomics.
func (w *mediaWatch) tick(now time.Time) {
	w.writeReports(w.appendReports(nil, now))
}

// writeReports writes pkts in compound packets of at most rtcpMaxCompound
// bytes. A write that fails (the PeerConnection is closing, DTLS is not
// up yet) loses only this interval's reports.
func (w *mediaWatch) writeReports(pkts []rtcp.Packet) {
	start, size := 0, 0
	for i, p := range pkts {
		n := p.MarshalSize()
		if i > start && size+n > rtcpMaxCompound {
			_, _ = w.rtcpOut.Write(pkts[start:i], nil)
			start, size = i, 0
		}
		size += n
	}
	if start < len(pkts) {
		_, _ = w.rtcpOut.Write(pkts[start:], nil)
	}
}

// appendReports appends to pkts a sender report for each stream sent so
// far and receiver reports with a block for each media stream received
// so far (RTX and FEC streams get none: their sequence numbers follow the
// repairs, not the media).
func (w *mediaWatch) appendReports(pkts []rtcp.Packet, now time.Time) []rtcp.Packet {
	at := w.clock(now)
	ntp := ntpTime(now)
	var blocks []rtcp.ReceptionReport
	w.mu.Lock()
	for _, c := range w.local {
		if sr := c.senderReport(ntp, at); sr != nil {
			pkts = append(pkts, sr)
		}
	}
	for _, c := range w.remote {
		if rb, ok := c.receptionReport(at); ok {
			blocks = append(blocks, rb)
		}
	}
	w.mu.Unlock()
	for len(blocks) > 0 {
		n := min(len(blocks), rrMaxBlocks)
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: w.rrSSRC, Reports: blocks[:n:n]})
		blocks = blocks[n:]
	}
	return pkts
}

// senderReport is the stream's sender report at NTP time ntp (at on the
// watch's clock), nil before its first packet (RFC 3550 6.4: a source
// that has sent nothing sends no SR). The RTP timestamp is the newest
// frame's advanced by the time since it left; the counts are those of the
// packets sent with the stream's SSRC, retransmissions on an RTX SSRC not
// included, and wrap at 2^32 as the fields do.
func (c *streamCounters) senderReport(ntp uint64, at uint32) *rtcp.SenderReport {
	last := c.lastTS.Load()
	if last == 0 {
		return nil
	}
	// Seconds since the newest frame left, signed: a packet sent after at
	// was read (by a writer racing the report) is a little in the future,
	// not 18 hours in the past modulo the clock's wrap.
	since := float64(int32(at-uint32(last))) / 65536 //nolint:gosec // modular difference read as signed
	return &rtcp.SenderReport{
		SSRC:        c.ssrc,
		NTPTime:     ntp,
		RTPTime:     uint32(last>>32) + uint32(int64(since*float64(c.clock))), //nolint:gosec // RTP time wraps; through int64 so a negative offset wraps too
		PacketCount: uint32(c.packets.Load() - c.foreign.Load()),              //nolint:gosec // the field wraps
		OctetCount:  uint32(c.payload.Load()),                                 //nolint:gosec // the field wraps
	}
}

// receptionReport is the stream's report block at at (the watch's
// clock), false before its first packet. Loss follows RFC 3550 A.3: the
// fraction of the packets expected since the last report that did not
// arrive (0 when duplicates outnumber losses), the cumulative count as a
// 24-bit signed number. The caller holds the watch's mu.
func (c *streamCounters) receptionReport(at uint32) (rtcp.ReceptionReport, bool) {
	base := c.base.Load()
	if base == 0 {
		return rtcp.ReceptionReport{}, false
	}
	p := c.progress.Load()
	ext, lost := uint32(p>>32), int32(uint32(p)) //nolint:gosec // packed by receive
	prior := &c.rrPrior
	if !prior.set {
		prior.ext, prior.lost, prior.set = uint32(uint16(base))-1, 0, true
	}
	var fraction uint8
	expected, lostInterval := int64(ext-prior.ext), int64(lost)-int64(prior.lost)
	if expected > 0 && lostInterval > 0 {
		fraction = uint8(min(lostInterval*256/expected, 255)) //nolint:gosec // 0..255
	}
	prior.ext, prior.lost = ext, lost
	cumulative := min(max(int64(lost), -1<<23), 1<<23-1)
	rb := rtcp.ReceptionReport{
		SSRC:               c.ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(cumulative) & 0xffffff, //nolint:gosec // 24-bit two's complement
		LastSequenceNumber: ext,
		Jitter:             uint32(math.Float64frombits(c.jitter.Load()) * float64(c.clock)),
	}
	if sr := c.lastSR.Load(); sr != 0 {
		rb.LastSenderReport = uint32(sr >> 32)
		// An SR that arrived after at was read: no delay yet, not 2^32-1.
		if d := int32(at - uint32(sr)); d > 0 { //nolint:gosec // modular difference read as signed
			rb.Delay = uint32(d)
		}
	}
	return rb, true
}
