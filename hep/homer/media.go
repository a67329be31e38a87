package homer

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// mediaReport is one medium of a type 32 subtype 3 body
// (janus-reference.md 4.4). Numbers are float64 so any JSON number parses.
type mediaReport struct {
	MID             string  `json:"mid"`
	MIndex          int     `json:"mindex"`
	Media           string  `json:"media"`
	Codec           string  `json:"codec"`
	Base            float64 `json:"base"`
	RTT             float64 `json:"rtt"`
	Lost            float64 `json:"lost"`
	LostByRemote    float64 `json:"lost-by-remote"`
	JitterLocal     float64 `json:"jitter-local"`
	JitterRemote    float64 `json:"jitter-remote"`
	PacketsReceived float64 `json:"packets-received"`
	PacketsSent     float64 `json:"packets-sent"`
	BytesReceived   float64 `json:"bytes-received"`
	BytesSent       float64 `json:"bytes-sent"`
}

// parseMediaReports accepts one report object or, with combine_media_stats,
// an array of them.
func parseMediaReports(body []byte) ([]mediaReport, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var rs []mediaReport
		if err := json.Unmarshal(body, &rs); err != nil {
			return nil, err
		}
		return rs, nil
	}
	var r mediaReport
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	return []mediaReport{r}, nil
}

// mediaReportsOf returns the reports of a media report event: read from the
// Go value when it is core's typed body (no JSON round trip), else parsed
// from body, its JSON. Both give the same values: a uint64 or int64 printed
// by encoding/json and parsed back as float64 rounds as the conversion does,
// and a float64 is printed so that it parses back to itself.
func mediaReportsOf(v any, body []byte) ([]mediaReport, error) {
	switch b := v.(type) {
	case telemetry.MediaReportBody:
		return []mediaReport{reportFrom(&b)}, nil
	case *telemetry.MediaReportBody:
		if b != nil {
			return []mediaReport{reportFrom(b)}, nil
		}
	case telemetry.MediaReports:
		if b != nil {
			rs := make([]mediaReport, len(b))
			for i := range b {
				rs[i] = reportFrom(&b[i])
			}
			return rs, nil
		}
	}
	return parseMediaReports(body)
}

// reportFrom is the mediaReport of a typed report, field for field what
// parsing its JSON gives.
func reportFrom(b *telemetry.MediaReportBody) mediaReport {
	r := mediaReport{
		MID: b.Mid, MIndex: b.MIndex, Media: b.Media,
		PacketsReceived: float64(b.PacketsReceived), PacketsSent: float64(b.PacketsSent),
		BytesReceived: float64(b.BytesReceived), BytesSent: float64(b.BytesSent),
	}
	if s := b.RTPStats; s != nil {
		r.Codec, r.Base, r.RTT = s.Codec, float64(s.Base), float64(s.RTT)
		r.Lost, r.LostByRemote = float64(s.Lost), float64(s.LostByRemote)
		r.JitterLocal, r.JitterRemote = s.JitterLocal, s.JitterRemote
	}
	return r
}

// ntpEpochOffset is the seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix).
const ntpEpochOffset = 2208988800

// rtcpJSON is HEP type 5 in the heplify agent's schema (hep-homer.md 1.4).
// homer-ui draws it only when sender_information.packets and .octets are
// non-zero and type is 200.
type rtcpJSON struct {
	SenderInformation senderInfo   `json:"sender_information"`
	SSRC              uint32       `json:"ssrc"`
	Type              int          `json:"type"`
	ReportCount       int          `json:"report_count"`
	ReportBlocks      []rtcpReport `json:"report_blocks"`
	SDESSSRC          uint32       `json:"sdes_ssrc"`
}

type senderInfo struct {
	NTPTimestampSec  uint32 `json:"ntp_timestamp_sec"`
	NTPTimestampUsec uint32 `json:"ntp_timestamp_usec"`
	RTPTimestamp     uint32 `json:"rtp_timestamp"`
	Packets          uint32 `json:"packets"`
	Octets           uint32 `json:"octets"`
}

type rtcpReport struct {
	SourceSSRC   uint32 `json:"source_ssrc"`
	FractionLost uint8  `json:"fraction_lost"`
	PacketsLost  int32  `json:"packets_lost"`
	HighestSeqNo uint32 `json:"highest_seq_no"`
	IAJitter     uint32 `json:"ia_jitter"`
	LSR          uint32 `json:"lsr"`
	DLSR         uint32 `json:"dlsr"`
}

// rtpAgentJSON is HEP type 34 ("rtpagent"); its upper-case keys are what
// heplify-server's Prometheus output and homer-ui's QoS tab read
// (hep-homer.md 1.4, 3.3). Extra keys give context in the raw view. MOS and
// R_FACTOR are set on audio rows only: the E-model is a voice model, and
// video rows carry none.
type rtpAgentJSON struct {
	CorrelationID string   `json:"CORRELATION_ID"`
	MOS           *float64 `json:"MOS,omitempty"`
	RFactor       *float64 `json:"R_FACTOR,omitempty"`
	Jitter        float64  `json:"JITTER"`      // interarrival jitter at the receiver, ms
	PacketLoss    int64    `json:"PACKET_LOSS"` // cumulative lost = EXPECTED_PK − TOTAL_PK
	Delta         float64  `json:"DELTA"`       // mean packet interval in the interval, ms
	TotalPK       uint64   `json:"TOTAL_PK"`    // packets the receiver got
	ExpectedPK    uint64   `json:"EXPECTED_PK"` // packets the sender sent (received + lost)
	RTT           float64  `json:"RTT"`         // ms
	Direction     string   `json:"DIRECTION"`   // dirUplink or dirDownlink
	Media         string   `json:"MEDIA"`
	MID           string   `json:"MID"`
	Codec         string   `json:"CODEC,omitempty"`
	SessionID     uint64   `json:"SESSION_ID,omitempty"`
	HandleID      uint64   `json:"HANDLE_ID"`
}

// Directions of a PeerConnection's media, the DIRECTION of type 34 rows.
const (
	// dirUplink: client → gateway, measured by the gateway's receiver.
	dirUplink = "client-to-gateway"
	// dirDownlink: gateway → client, as the client's RTCP receiver
	// reports told the gateway.
	dirDownlink = "gateway-to-client"
)

// qosRow is the type 5 and type 34 payloads of one direction of one medium;
// uplink tells the direction (uplink: src client, dst gateway).
type qosRow struct {
	uplink         bool
	rtcp, rtpAgent []byte
}

// direction is one direction of a medium reduced to what both payloads
// need: the sender's counts and the receiver's view of them.
type direction struct {
	uplink       bool
	sent, octets float64 // packets and bytes the sender sent
	lost         float64 // cumulative, as the receiver counts them
	jitterMs     float64 // the receiver's interarrival jitter
	rttMs        float64
	// reported: the receiver's view is known. Always for the uplink (the
	// gateway measures it); for the downlink once the client's RTCP
	// receiver reports showed something (see directions).
	reported bool
}

// directions splits a report into the directions that carry media: the
// uplink when the gateway received (or lost) packets — the sender's count is
// received + lost, its bytes the received bytes plus the lost packets at the
// mean received size —, the downlink when the gateway sent packets, with
// loss and jitter from the client's receiver reports (lost-by-remote,
// jitter-remote). A one-way PeerConnection (a VideoRoom publisher or
// subscriber) thus yields one direction, never a row of zeros.
//
// A media report has no flag telling whether a receiver report arrived:
// before the first one, lost-by-remote, jitter-remote and rtt are simply
// 0, which reads as a perfect downlink. So the downlink counts as reported
// once any of them is non-zero (an RTCP receiver report carries the
// client's jitter, and its LSR/DLSR give the RTT), or from its second
// report on: a whole stats period of sending lies behind it, and a client
// sends receiver reports at least every 5 s (RFC 3550; browsers every
// second), so zeros then are the client's own clean view, not a missing
// one (a perfect loopback link reads 0 jitter and an RTT under 1 ms).
// mediaQoS remembers it per stream.
//
// The directions are appended to out (mediaQoS passes an array on its stack).
func directions(out []direction, r *mediaReport) []direction {
	if recv, lost := math.Max(r.PacketsReceived, 0), math.Max(r.Lost, 0); recv+lost > 0 {
		octets := math.Max(r.BytesReceived, 0)
		if recv > 0 {
			octets += lost * octets / recv
		}
		out = append(out, direction{uplink: true, sent: recv + lost, octets: octets, lost: lost,
			jitterMs: r.JitterLocal, rttMs: r.RTT, reported: true})
	}
	if sent := math.Max(r.PacketsSent, 0); sent > 0 {
		out = append(out, direction{sent: sent, octets: math.Max(r.BytesSent, 0),
			lost: clamp(r.LostByRemote, 0, sent), jitterMs: r.JitterRemote, rttMs: r.RTT,
			reported: r.LostByRemote > 0 || r.JitterRemote > 0 || r.RTT > 0})
	}
	return out
}

// mediaQoS turns one report into type 5 and type 34 JSON, one row pair per
// direction that carries media (see directions), the downlink only from the
// first report that shows the client's receiver reports on (or its second
// report, see directions): before it, the
// client's loss and jitter are unknown, and zeros would chart a made-up
// perfect stream (in homer-ui's type 5 MOS and as MOS 4.4 in type 34).
// prev holds the previous
// report's counters of each direction (zero on the first), ts is the event
// time in µs; next returns the counters to keep (in prev's map when there
// is one). Derivations:
//   - ssrc / source_ssrc: media reports carry no SSRC, so both are synthetic,
//     stable per (handle, mindex, media, direction): FNV-1a;
//   - sender_information.packets / .octets: what the sender sent (uplink:
//     received + lost; downlink: packets-sent), so homer-ui, which skips rows
//     with zero packets or octets, charts every direction that has media;
//   - fraction_lost: 256·Δlost/Δsent over the interval since prev (the RTCP
//     definition), cumulative on the first report and when fewer than
//     minLossSample packets were sent in the interval; packets_lost: cumulative
//     lost; highest_seq_no: the sender's packet count;
//   - ia_jitter: the receiver's jitter in **milliseconds**, and dlsr: the
//     round-trip time in **milliseconds**, lsr 0. RTCP carries them in RTP
//     timestamp units and 1/65536 s, but the only consumer, homer-ui's QoS
//     tab, reads ia_jitter as ms and dlsr (< 1000) as the RTT in ms in its
//     MOS formula (hep-homer.md 5.1): in RTP units a lossless video call
//     (2430 for 27 ms) reads MOS 1.0 there, in ms it reads 4.4;
//   - type 34 MOS / R_FACTOR (audio only): eModel on the interval loss
//     fraction, the jitter and the RTT.
func mediaQoS(r *mediaReport, prev map[bool]streamCounters, ts int64, handle, session uint64, cid string) (
	rows []qosRow, next map[bool]streamCounters, err error) {
	if _, rows, next, err = appendMediaQoS(nil, nil, r, prev, ts, handle, session, cid); err != nil {
		return nil, nil, err
	}
	return rows, next, nil
}

// appendMediaQoS is mediaQoS with the payloads appended to buf and the
// rows to rows: each row's payloads are slices of buf (capped at their
// length, so that later appends never write into them).
func appendMediaQoS(buf []byte, rows []qosRow, r *mediaReport, prev map[bool]streamCounters, ts int64,
	handle, session uint64, cid string) (_ []byte, _ []qosRow, next map[bool]streamCounters, err error) {
	base := r.Base
	if base <= 0 {
		base = 48000
		if isVideo(r.Media) {
			base = 90000
		}
	}
	var dirBuf [2]direction
	dirs := directions(dirBuf[:0], r)
	var keep [2]streamCounters // what next gets per direction, written at the end
	for i, d := range dirs {
		p := prev[d.uplink]
		if !d.reported && !p.reported && p.sent == 0 {
			// The first report of a downlink that shows no receiver report
			// yet: keep its counts for the next interval, send no row.
			keep[i] = streamCounters{timestamp: ts, lost: d.lost, sent: d.sent}
			continue
		}
		dLost, dSent := d.lost-p.lost, d.sent-p.sent
		if dLost < 0 || dSent < 0 { // counters restarted
			dLost, dSent = d.lost, d.sent
		}
		lossFrac := 0.0
		switch {
		case dSent >= minLossSample:
			lossFrac = clamp(dLost/dSent, 0, 1)
		case d.sent > 0:
			lossFrac = clamp(d.lost/d.sent, 0, 1)
		}
		delta := 0.0
		if p.timestamp > 0 && dSent > 0 && ts > p.timestamp {
			delta = float64(ts-p.timestamp) / 1000 / dSent
		}
		keep[i] = streamCounters{timestamp: ts, lost: d.lost, sent: d.sent, reported: true}
		ssrc := ssrcOf(d.uplink, handle, r)
		rep := rtcpReport{
			SourceSSRC:   ssrc,
			FractionLost: uint8(math.Min(lossFrac*256, 255)),
			PacketsLost:  int32(clamp(d.lost, 0, math.MaxInt32)),
			HighestSeqNo: uint32(clamp(d.sent, 0, math.MaxUint32)),
			IAJitter:     uint32(clamp(math.Round(d.jitterMs), 0, math.MaxUint32)),
			DLSR:         uint32(clamp(math.Round(d.rttMs), 0, math.MaxUint32)),
		}
		sec, usec := ts/1_000_000, ts%1_000_000
		blocks := [1]rtcpReport{rep}
		rtcp := rtcpJSON{
			SenderInformation: senderInfo{
				NTPTimestampSec:  uint32(sec + ntpEpochOffset),
				NTPTimestampUsec: uint32(usec),
				RTPTimestamp:     uint32(uint64(float64(ts) * base / 1e6)),
				Packets:          uint32(clamp(d.sent, 0, math.MaxUint32)),
				Octets:           uint32(clamp(d.octets, 0, math.MaxUint32)),
			},
			SSRC: ssrc, Type: 200, ReportCount: 1, ReportBlocks: blocks[:], SDESSSRC: ssrc,
		}
		agent := rtpAgentJSON{
			CorrelationID: cid, Jitter: d.jitterMs, PacketLoss: int64(d.lost),
			Delta: math.Round(delta*1000) / 1000, TotalPK: uint64(d.sent - d.lost), ExpectedPK: uint64(d.sent),
			RTT: r.RTT, Direction: dirDownlink,
			Media: r.Media, MID: r.MID, Codec: r.Codec, SessionID: session, HandleID: handle,
		}
		if d.uplink {
			agent.Direction = dirUplink
		}
		if r.Media == "audio" {
			rf, mos := eModel(lossFrac, d.jitterMs, d.rttMs)
			agent.RFactor, agent.MOS = &rf, &mos
		}
		row := qosRow{uplink: d.uplink}
		start := len(buf)
		buf = appendRTCP(buf, &rtcp)
		row.rtcp = buf[start:len(buf):len(buf)]
		start = len(buf)
		if buf, err = appendRTPAgent(buf, &agent); err != nil {
			return buf[:start], rows, nil, err
		}
		row.rtpAgent = buf[start:len(buf):len(buf)]
		rows = append(rows, row)
	}
	// prev's map is reused for next (one map per stream, not one per
	// report): it is changed only now, when nothing can fail any more.
	next = prev
	if next == nil {
		next = make(map[bool]streamCounters, 2)
	}
	clear(next)
	for i, d := range dirs {
		next[d.uplink] = keep[i]
	}
	return buf, rows, next, nil
}

// minLossSample is the fewest packets sent in an interval (one second of
// 20 ms audio) whose loss fraction is rated on its own; a shorter interval
// takes the stream's fraction so far. A final report at hangup (a fraction
// of a second after the previous one), or a downlink interval in which the
// client's receiver report (lost-by-remote, updated only when one arrives)
// caught up with a few packets sent, read near-total loss otherwise: seen
// in Homer as MOS 1.16 on a call losing 10 %.
const minLossSample = 50

// isVideo reports whether a report's media is video or a simulcast layer.
func isVideo(media string) bool { return strings.HasPrefix(media, "video") }

// ssrcOf derives a stable synthetic SSRC for one direction of a stream.
// It is FNV-1a (32 bits) of "<L|R> <handle> <mindex> <media>", computed
// without hash/fnv's allocated hasher.
func ssrcOf(uplink bool, handle uint64, r *mediaReport) uint32 {
	var a [48]byte
	b := a[:0]
	side := byte('L') // the gateway sends
	if uplink {
		side = 'R' // the client sends
	}
	b = append(b, side, ' ')
	b = strconv.AppendUint(b, handle, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.MIndex), 10)
	b = append(b, ' ')
	h := fnv1a32(fnvOffset32, b)
	return fnv1a32(h, r.Media)
}

// FNV-1a, 32 bits (hash/fnv's New32a).
const (
	fnvOffset32 uint32 = 2166136261
	fnvPrime32  uint32 = 16777619
)

func fnv1a32[T []byte | string](h uint32, b T) uint32 {
	for i := 0; i < len(b); i++ {
		h ^= uint32(b[i])
		h *= fnvPrime32
	}
	return h
}
