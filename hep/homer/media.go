package homer

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"math"
	"strconv"
)

// mediaReport is one medium of a type 32 subtype 3 body
// (janus-reference.md 4.4). Numbers are float64 so any JSON number parses.
type mediaReport struct {
	MID             string     `json:"mid"`
	MIndex          int        `json:"mindex"`
	Media           string     `json:"media"`
	Codec           string     `json:"codec"`
	Base            float64    `json:"base"`
	RTT             float64    `json:"rtt"`
	RTTValues       *rttValues `json:"rtt-values"`
	Lost            float64    `json:"lost"`
	LostByRemote    float64    `json:"lost-by-remote"`
	JitterLocal     float64    `json:"jitter-local"`
	JitterRemote    float64    `json:"jitter-remote"`
	PacketsReceived float64    `json:"packets-received"`
	PacketsSent     float64    `json:"packets-sent"`
	BytesReceived   float64    `json:"bytes-received"`
	BytesSent       float64    `json:"bytes-sent"`
}

type rttValues struct {
	NTP  float64 `json:"ntp"`
	LSR  float64 `json:"lsr"`
	DLSR float64 `json:"dlsr"`
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
// (hep-homer.md 1.4, 3.3). Extra keys give context in the raw view.
type rtpAgentJSON struct {
	CorrelationID string  `json:"CORRELATION_ID"`
	MOS           float64 `json:"MOS"`
	RFactor       float64 `json:"R_FACTOR"`
	Jitter        float64 `json:"JITTER"`      // jitter-local, ms
	PacketLoss    int64   `json:"PACKET_LOSS"` // cumulative lost = EXPECTED_PK − TOTAL_PK
	Delta         float64 `json:"DELTA"`       // mean interarrival time in the interval, ms
	TotalPK       uint64  `json:"TOTAL_PK"`    // packets received
	ExpectedPK    uint64  `json:"EXPECTED_PK"` // packets received + lost
	RTT           float64 `json:"RTT"`         // ms
	RemoteLost    int64   `json:"REMOTE_LOST"` // lost-by-remote
	RemoteJitter  float64 `json:"REMOTE_JITTER"`
	Media         string  `json:"MEDIA"`
	MID           string  `json:"MID"`
	Codec         string  `json:"CODEC,omitempty"`
	SessionID     uint64  `json:"SESSION_ID,omitempty"`
	HandleID      uint64  `json:"HANDLE_ID"`
}

// qos holds the two QoS payloads derived from one media report.
type qos struct {
	rtcp, rtpAgent []byte
}

// mediaQoS turns one report into type 5 and type 34 JSON. prev is the
// previous report of the same stream (zero on the first), ts the event time
// in µs. Derivations:
//   - ssrc / source_ssrc: media reports carry no SSRC, so both are synthetic,
//     stable per (handle, mindex, media): FNV-1a of "L|R handle mindex media";
//   - fraction_lost: 256·Δlost/(Δlost+Δreceived) over the interval since prev
//     (the RTCP definition), cumulative on the first report;
//   - packets_lost: cumulative lost; highest_seq_no: received + lost (the
//     extended count expected);
//   - ia_jitter: jitter-local (ms) × base/1000, i.e. RTP timestamp units, base
//     defaulting to 90000 for video and 48000 otherwise;
//   - lsr/dlsr: rtt-values when the core sends them, else 0;
//   - MOS/R_FACTOR: eModel on the interval loss fraction, jitter-local and rtt.
func mediaQoS(r *mediaReport, prev streamCounters, ts int64, handle, session uint64, cid string) (qos, error) {
	base := r.Base
	if base <= 0 {
		base = 48000
		if len(r.Media) >= 5 && r.Media[:5] == "video" {
			base = 90000
		}
	}
	dLost, dRecv := r.Lost-prev.lost, r.PacketsReceived-prev.received
	if dLost < 0 || dRecv < 0 { // counters restarted
		dLost, dRecv = r.Lost, r.PacketsReceived
	}
	lossFrac := 0.0
	if dLost+dRecv > 0 {
		lossFrac = math.Max(dLost, 0) / (dLost + dRecv)
	}
	delta := 0.0
	if prev.timestamp > 0 && dRecv > 0 && ts > prev.timestamp {
		delta = float64(ts-prev.timestamp) / 1000 / dRecv
	}
	rf, mos := eModel(lossFrac, r.JitterLocal, r.RTT)
	local := ssrcOf('L', handle, r)
	remote := ssrcOf('R', handle, r)
	rep := rtcpReport{
		SourceSSRC:   remote,
		FractionLost: uint8(math.Min(lossFrac*256, 255)),
		PacketsLost:  int32(clamp(r.Lost, math.MinInt32, math.MaxInt32)),
		HighestSeqNo: uint32(clamp(r.PacketsReceived+math.Max(r.Lost, 0), 0, math.MaxUint32)),
		IAJitter:     uint32(clamp(r.JitterLocal*base/1000, 0, math.MaxUint32)),
	}
	if v := r.RTTValues; v != nil {
		rep.LSR, rep.DLSR = uint32(clamp(v.LSR, 0, math.MaxUint32)), uint32(clamp(v.DLSR, 0, math.MaxUint32))
	}
	sec, usec := ts/1_000_000, ts%1_000_000
	rtcp := rtcpJSON{
		SenderInformation: senderInfo{
			NTPTimestampSec:  uint32(sec + ntpEpochOffset),
			NTPTimestampUsec: uint32(usec),
			RTPTimestamp:     uint32(uint64(float64(ts) * base / 1e6)),
			Packets:          uint32(clamp(r.PacketsSent, 0, math.MaxUint32)),
			Octets:           uint32(clamp(r.BytesSent, 0, math.MaxUint32)),
		},
		SSRC: local, Type: 200, ReportCount: 1, ReportBlocks: []rtcpReport{rep}, SDESSSRC: local,
	}
	agent := rtpAgentJSON{
		CorrelationID: cid, MOS: mos, RFactor: rf, Jitter: r.JitterLocal,
		PacketLoss: int64(r.Lost), Delta: math.Round(delta*1000) / 1000,
		TotalPK:    uint64(math.Max(r.PacketsReceived, 0)),
		ExpectedPK: uint64(math.Max(r.PacketsReceived+math.Max(r.Lost, 0), 0)),
		RTT:        r.RTT, RemoteLost: int64(r.LostByRemote), RemoteJitter: r.JitterRemote,
		Media: r.Media, MID: r.MID, Codec: r.Codec, SessionID: session, HandleID: handle,
	}
	var q qos
	var err error
	if q.rtcp, err = json.Marshal(rtcp); err != nil {
		return q, err
	}
	q.rtpAgent, err = json.Marshal(agent)
	return q, err
}

// ssrcOf derives a stable synthetic SSRC for one side of a stream.
func ssrcOf(side byte, handle uint64, r *mediaReport) uint32 {
	h := fnv.New32a()
	b := make([]byte, 0, 48)
	b = append(b, side, ' ')
	b = strconv.AppendUint(b, handle, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.MIndex), 10)
	b = append(b, ' ')
	b = append(b, r.Media...)
	_, _ = h.Write(b)
	return h.Sum32()
}
