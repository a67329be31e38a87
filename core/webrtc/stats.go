package webrtc

import (
	"math"
	"strings"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// mediumSample is one m-line's statistics at one instant, with the deltas
// of the last sampling period ("lastsec" values are per second).
type mediumSample struct {
	Mid           string
	MIndex        int
	Media         string // audio, video, data
	Codec         string
	Base          uint32 // RTP clock rate
	RTTms         int64
	Lost          int64 // lost by us, inbound (computed locally)
	LostByRemote  int64 // lost by the peer, from its receiver reports
	JitterLocal   float64
	JitterRemote  float64
	InLQ, InMLQ   int
	OutLQ, OutMLQ int
	PacketsIn     uint64
	PacketsOut    uint64
	BytesIn       uint64
	BytesOut      uint64
	BytesInSec    uint64
	BytesOutSec   uint64
	NACKsIn       uint64 // NACKs received from the peer
	NACKsOut      uint64 // NACKs we sent
	RetransIn     uint64
	REMB          uint64
	SSRCIn        uint32
	SSRCOut       uint32
	PT            uint8
	DirSend       bool
	DirRecv       bool
	sampledAt     time.Time
}

// linkQuality is Argus's 0-100 link score: the share of expected packets
// that arrived in the last period, 100 when nothing was expected.
//
//	link-quality       = round(100 × received / (received + lost))
//	media-link-quality = max(0, link-quality − min(40, jitter_ms / 2) − min(20, rtt_ms / 50))
//
// so 20 ms of jitter costs 10 points and 500 ms of RTT 10 points. Inbound
// scores use our own loss and jitter; outbound ones the peer's receiver
// reports (fraction lost, jitter) and the RTT.
func linkQuality(received, lost int64) int {
	if lost < 0 {
		lost = 0
	}
	if received+lost <= 0 {
		return 100
	}
	return int(math.Round(100 * float64(received) / float64(received+lost)))
}

// mediaLinkQuality lowers a link score for jitter and RTT.
func mediaLinkQuality(lq int, jitterMs float64, rttMs int64) int {
	v := float64(lq) - math.Min(40, jitterMs/2) - math.Min(20, float64(rttMs)/50)
	return max(0, int(math.Round(v)))
}

// sample reads every m-line's counters. prev holds the last sample per mid
// (owned by the run loop) for the per-period deltas.
// out is appended to (the run loop passes its buffer of the last sample).
func (p *Peer) sample(period time.Duration, prev map[string]mediumSample, out []mediumSample) []mediumSample {
	p.mu.Lock()
	layout := p.state.layout
	p.mu.Unlock()
	now := time.Now()
	for _, t := range p.pc.GetTransceivers() {
		mid := t.Mid()
		if mid == "" {
			continue
		}
		s := mediumSample{Mid: mid, MIndex: layout.mindex[mid], Media: t.Kind().String(), sampledAt: now}
		p.fillRTP(&s, t)
		p.fillDeltas(&s, prev[mid], period)
		out = append(out, s)
	}
	for _, mid := range layout.mids {
		if layout.kinds[mid] == "data" {
			s := mediumSample{Mid: mid, MIndex: layout.mindex[mid], Media: "data", sampledAt: now}
			if p.pc.SignalingState() == pion.SignalingStateClosed {
				// A closed PeerConnection reports the last data counters
				// read: pion's report after its Close may lack them (a
				// report and the Close itself are ordered by pionStats).
				last := prev[mid]
				s.PacketsIn, s.PacketsOut, s.BytesIn, s.BytesOut = last.PacketsIn, last.PacketsOut, last.BytesIn, last.BytesOut
			} else {
				p.fillData(&s)
			}
			out = append(out, s)
		}
	}
	return out
}

// setCodec names c as the medium's codec (its name, clock rate and
// payload type).
func (s *mediumSample) setCodec(c pion.RTPCodecParameters) {
	s.Codec, s.Base, s.PT = codecName(c.MimeType), c.ClockRate, uint8(c.PayloadType)
}

// fillRTP reads mediaWatch's counters of the inbound and outbound SSRC.
func (p *Peer) fillRTP(s *mediumSample, t *pion.RTPTransceiver) {
	d := t.Direction()
	s.DirSend = d == pion.RTPTransceiverDirectionSendrecv || d == pion.RTPTransceiverDirectionSendonly
	s.DirRecv = d == pion.RTPTransceiverDirectionSendrecv || d == pion.RTPTransceiverDirectionRecvonly
	if r := t.Receiver(); r != nil {
		for _, tr := range r.Tracks() {
			if tr.SSRC() == 0 {
				continue
			}
			if s.SSRCIn == 0 {
				s.SSRCIn = uint32(tr.SSRC())
				s.setCodec(tr.Codec())
			}
			in := p.watch.stream(true, uint32(tr.SSRC()))
			if in == nil {
				continue
			}
			s.PacketsIn += in.packets.Load()
			s.BytesIn += in.bytes.Load()
			s.Lost += in.lost()
			s.NACKsOut += in.nacks.Load()
			s.JitterLocal = math.Max(s.JitterLocal, math.Float64frombits(in.jitter.Load())*1000)
			if rtx := uint32(tr.RtxSSRC()); rtx != 0 {
				if rs := p.watch.stream(true, rtx); rs != nil {
					s.RetransIn += rs.packets.Load()
				}
			}
		}
	}
	if snd := t.Sender(); snd != nil && snd.Track() != nil {
		params := snd.GetParameters()
		if len(params.Encodings) > 0 {
			s.SSRCOut = uint32(params.Encodings[0].SSRC)
		}
		if s.Codec == "" && len(params.Codecs) > 0 {
			s.setCodec(params.Codecs[0])
		}
		if out := p.watch.stream(false, s.SSRCOut); s.SSRCOut != 0 && out != nil {
			s.PacketsOut = out.packets.Load()
			s.BytesOut = out.bytes.Load()
			s.NACKsIn = out.nacks.Load()
			s.LostByRemote = out.remoteLost.Load()
			s.JitterRemote = math.Float64frombits(out.remoteJitter.Load()) * 1000
			s.RTTms = time.Duration(out.rtt.Load()).Milliseconds()
			s.OutLQ = int(math.Round(100 * (1 - float64(out.remoteFraction.Load())/256)))
		}
	}
	if r := t.Receiver(); s.Codec == "" && r != nil {
		// Nothing received or sent yet (a loaded host can sample before
		// the first packet): the codec the m-line negotiated, as Janus's
		// reports always name one.
		if params := r.GetParameters(); len(params.Codecs) > 0 {
			s.setCodec(params.Codecs[0])
		}
	}
	if s.MIndex == 0 {
		s.REMB = p.watch.rembBitrate.Load()
	}
}

// fillDeltas computes per-second rates and the link scores of the period.
func (p *Peer) fillDeltas(s *mediumSample, prev mediumSample, period time.Duration) {
	secs := period.Seconds()
	if secs <= 0 {
		secs = 1
	}
	if s.BytesIn >= prev.BytesIn {
		s.BytesInSec = uint64(float64(s.BytesIn-prev.BytesIn) / secs)
	}
	if s.BytesOut >= prev.BytesOut {
		s.BytesOutSec = uint64(float64(s.BytesOut-prev.BytesOut) / secs)
	}
	s.InLQ = linkQuality(int64(s.PacketsIn)-int64(prev.PacketsIn), s.Lost-prev.Lost)
	s.InMLQ = mediaLinkQuality(s.InLQ, s.JitterLocal, 0)
	if s.SSRCOut == 0 || (s.OutLQ == 0 && s.PacketsOut == prev.PacketsOut) {
		s.OutLQ = 100
	}
	s.OutMLQ = mediaLinkQuality(s.OutLQ, s.JitterRemote, s.RTTms)
}

// fillData sums the data channel counters from pion's stats report.
func (p *Peer) fillData(s *mediumSample) {
	for _, v := range p.pionStats() {
		if dc, ok := v.(pion.DataChannelStats); ok {
			s.PacketsIn += uint64(dc.MessagesReceived)
			s.PacketsOut += uint64(dc.MessagesSent)
			s.BytesIn += dc.BytesReceived
			s.BytesOut += dc.BytesSent
		}
	}
}

// codecName turns "video/VP8" into Janus's "vp8".
func codecName(mime string) string {
	if i := strings.IndexByte(mime, '/'); i >= 0 {
		mime = mime[i+1:]
	}
	return strings.ToLower(mime)
}

// reportBody is the type 32 subtype 3 object of one medium
// (janus-reference.md 4.4).
func (s mediumSample) reportBody() telemetry.MediaReportBody {
	b := telemetry.MediaReportBody{
		Mid: s.Mid, MIndex: s.MIndex, Media: s.Media,
		PacketsReceived: s.PacketsIn, PacketsSent: s.PacketsOut,
		BytesReceived: s.BytesIn, BytesSent: s.BytesOut,
	}
	if s.Media == "data" {
		return b
	}
	b.RTPStats = &telemetry.RTPStats{
		Codec: s.Codec, Base: s.Base, RTT: s.RTTms, Lost: s.Lost, LostByRemote: s.LostByRemote,
		JitterLocal: math.Round(s.JitterLocal), JitterRemote: math.Round(s.JitterRemote),
		InLinkQuality: s.InLQ, InMediaLinkQuality: s.InMLQ, OutLinkQuality: s.OutLQ, OutMediaLinkQuality: s.OutMLQ,
		BytesReceivedLastSec: s.BytesInSec, BytesSentLastSec: s.BytesOutSec,
		NACKsReceived: s.NACKsIn, NACKsSent: s.NACKsOut, RetransmissionsReceived: s.RetransIn,
	}
	if s.MIndex == 0 {
		b.REMBBitrate = s.REMB
	}
	return b
}

// sampleAndReport samples all media, checks slow links and emits the media
// report(s); final marks the report sent once at hangup. Run loop only.
func (p *Peer) sampleAndReport(period time.Duration, final bool) {
	if period <= 0 {
		period = time.Second
	}
	samples := p.sample(period, p.prev, p.samples[:0])
	p.samples = samples
	// next is published to Info, which reads it after p.mu is released, so
	// it is a new map each period (one per PeerConnection and second), not
	// p.prev reused.
	next := make(map[string]mediumSample, len(samples))
	for _, s := range samples {
		if !final {
			p.checkSlowLink(s, p.prev[s.Mid], period)
		}
		next[s.Mid] = s
	}
	p.prev = next
	p.mu.Lock()
	p.state.lastSample = next
	p.mu.Unlock()
	if p.cfg.StatsPeriod <= 0 || len(samples) == 0 || !wants(p.cfg.Emitter, telemetry.TypeMedia) {
		return
	}
	if p.cfg.CombineMediaStats {
		arr := make(telemetry.MediaReports, 0, len(samples))
		for _, s := range samples {
			arr = append(arr, s.reportBody())
		}
		p.emit(telemetry.TypeMedia, telemetry.SubtypeMediaReport, arr)
		return
	}
	for _, s := range samples {
		p.emit(telemetry.TypeMedia, telemetry.SubtypeMediaReport, s.reportBody())
	}
}

// wanter is the part of telemetry.Bus that tells whether some sink takes a
// type of event.
type wanter interface {
	Wants(t telemetry.Type) bool
}

// wants reports whether em takes events of type t: false only when it says
// so (a Bus whose sinks' masks leave t out), so that media report bodies
// are not built for nobody.
func wants(em telemetry.Emitter, t telemetry.Type) bool {
	w, ok := em.(wanter)
	return !ok || w.Wants(t)
}

// checkSlowLink emits slow-link events when the losses of the period,
// per second, reach SlowlinkThreshold (janus-reference.md 1.4).
func (p *Peer) checkSlowLink(s, prev mediumSample, period time.Duration) {
	if p.cfg.SlowlinkThreshold <= 0 || s.Media == "data" {
		return
	}
	secs := math.Max(period.Seconds(), 0.001)
	check := func(delta int64, uplink bool) {
		perSec := int(math.Round(float64(delta) / secs))
		if perSec < p.cfg.SlowlinkThreshold {
			return
		}
		dir := "downlink"
		if uplink {
			dir = "uplink"
		}
		p.emit(telemetry.TypeMedia, telemetry.SubtypeMediaSlowLink, telemetry.SlowLinkBody{
			Mid: s.Mid, Media: s.Media, SlowLink: dir, LostLastSec: perSec,
		})
		p.observe(func() { p.obs.SlowLink(s.Mid, s.Media, uplink, perSec) })
	}
	check(s.Lost-prev.Lost, true)
	check(s.LostByRemote-prev.LostByRemote, false)
}
