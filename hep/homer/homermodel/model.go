// Package homermodel is a small model of what Homer 7 (heplify-server 1.60,
// homer-app 1.5, homer-ui) does with HEP packets, for tests: which rows are
// stored, which survive homer-app's transaction view, which type 5 rows
// homer-ui's QoS tab charts, how it groups them into streams and which MOS
// it computes. The rules are those measured in hep-homer.md sections 2, 3
// and 5.1; a test feeds it the packets a sink sent and asserts what a Homer
// user would see.
package homermodel

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"

	"github.com/argusrtc/argus/hep"
)

// Tables of heplify-server's homer7 schema (hep-homer.md 2.3).
const (
	TableLog  = "hep_proto_100_default"
	TableRTCP = "hep_proto_5_default"
	TableQoS  = "hep_proto_35_default" // types 34 and 35 (homer-ui's "rtp")
)

// Row is one stored row.
type Row struct {
	Table string
	ID    int64 // per-table sequence, as heplify-server's BIGSERIAL
	SID   string
	// CreateDate is the HEP timestamp in µs (create_date = the HEP
	// timestamp, stored to the microsecond).
	CreateDate int64
	Packet     hep.Packet
}

// Key is homer-app's transaction dedup key, "<id>:<create_date>".
func (r Row) Key() string {
	return strconv.FormatInt(r.ID, 10) + ":" + strconv.FormatInt(r.CreateDate, 10)
}

// Src and Dst are the row's srcIp/dstIp as homer-ui reads them.
func (r Row) Src() netip.AddrPort { return netip.AddrPortFrom(r.Packet.SrcIP, r.Packet.SrcPort) }

// Dst is the row's dstIp:dstPort.
func (r Row) Dst() netip.AddrPort { return netip.AddrPortFrom(r.Packet.DstIP, r.Packet.DstPort) }

// Store is heplify-server's storage: it keeps a non-SIP packet only when it
// has a payload and a correlation id (sid = the correlation id), and
// numbers each table's rows from the table's own sequence. Not safe for
// concurrent use.
type Store struct {
	rows []Row
	seq  map[string]int64
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{seq: map[string]int64{}} }

// tableOf returns the table of a protocol type, "" for types the model
// does not store.
func tableOf(proto uint8) string {
	switch proto {
	case hep.ProtoLog:
		return TableLog
	case hep.ProtoRTCP:
		return TableRTCP
	case hep.ProtoRTPAgent, 35:
		return TableQoS
	}
	return ""
}

// Add stores p as heplify-server would and reports whether a row was
// written. Tables are numbered in lockstep, as heplify-server's bulk inserts
// keep them: the n-th row of every table gets id n, so rows of different
// tables collide in a transaction whenever their timestamps are equal.
func (s *Store) Add(p hep.Packet) bool {
	table := tableOf(p.ProtoType)
	if table == "" || !p.Storable() {
		return false
	}
	s.seq[table]++
	s.rows = append(s.rows, Row{Table: table, ID: s.seq[table], SID: p.CorrelationID,
		CreateDate: int64(p.TimeSec)*1_000_000 + int64(p.TimeUsec), Packet: p})
	return true
}

// Rows returns the stored rows of sid, in arrival order.
func (s *Store) Rows(sid string) []Row {
	var out []Row
	for _, r := range s.rows {
		if r.SID == sid {
			out = append(out, r)
		}
	}
	return out
}

// SIDs returns the distinct sids of the stored rows, in order of first
// arrival: every transaction a Homer user could open.
func (s *Store) SIDs() []string {
	var out []string
	for _, r := range s.rows {
		if !slices.Contains(out, r.SID) {
			out = append(out, r.SID)
		}
	}
	return out
}

// Transaction is homer-app's transaction view of sids: the rows of all
// tables merged, duplicates by "id:create_date" dropped (the first kept),
// sorted by create_date.
func (s *Store) Transaction(sids ...string) []Row {
	seen := map[string]bool{}
	var out []Row
	for _, r := range s.rows {
		if !slices.Contains(sids, r.SID) || seen[r.Key()] {
			continue
		}
		seen[r.Key()] = true
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Row) int { return cmp.Compare(a.CreateDate, b.CreateDate) })
	return out
}

// SharedTimestamps returns the milliseconds (create_date / 1000) that more
// than one row of sid falls in. homer-app drops one of two rows with the same
// id and create_date (µs); homer-ui then joins each message to its call data
// by id and create_date in ms (the API's unit), so two rows with one id in
// one ms become one message whose differing fields (srcIp, ...) are arrays,
// and its Flow and Message tabs fail and show nothing. heplify-server's
// tables number their rows in lockstep, so any two rows of sid in one ms may
// share an id.
func (s *Store) SharedTimestamps(sid string) []int64 {
	n := map[int64]int{}
	var out []int64
	for _, r := range s.Rows(sid) {
		ms := r.CreateDate / 1000
		n[ms]++
		if n[ms] == 2 {
			out = append(out, ms)
		}
	}
	return out
}

// RTCP is the part of a type 5 payload homer-ui reads.
type RTCP struct {
	Type              int `json:"type"`
	SenderInformation struct {
		Packets float64 `json:"packets"`
		Octets  float64 `json:"octets"`
	} `json:"sender_information"`
	ReportBlocks []ReportBlock `json:"report_blocks"`
}

// ReportBlock is one report block of an RTCP payload.
type ReportBlock struct {
	FractionLost float64 `json:"fraction_lost"`
	PacketsLost  float64 `json:"packets_lost"`
	HighestSeqNo float64 `json:"highest_seq_no"`
	IAJitter     float64 `json:"ia_jitter"`
	LSR          float64 `json:"lsr"`
	DLSR         float64 `json:"dlsr"`
}

// RTPAgent is the part of a type 34 payload homer-ui and heplify-server read
// (plus Argus's MEDIA and DIRECTION). MOS is nil when absent.
type RTPAgent struct {
	MOS        *float64 `json:"MOS"`
	Jitter     float64  `json:"JITTER"`
	PacketLoss float64  `json:"PACKET_LOSS"`
	Delta      float64  `json:"DELTA"`
	TotalPK    float64  `json:"TOTAL_PK"`
	ExpectedPK float64  `json:"EXPECTED_PK"`
	RTT        float64  `json:"RTT"` // ms
	Media      string   `json:"MEDIA"`
	Direction  string   `json:"DIRECTION"`
}

// StreamKey is homer-ui's QoS stream key: srcIp and dstIp, ports ignored.
type StreamKey struct{ Src, Dst netip.Addr }

// String renders the key as "src -> dst".
func (k StreamKey) String() string { return k.Src.String() + " -> " + k.Dst.String() }

// Point is one charted type 5 row of a stream with homer-ui's MOS: MOS as
// shown by default, MOSCountingLost with the system setting
// qos.rtcp_mos_lost = "packets_lost".
type Point struct {
	Row             Row
	RTCP            RTCP
	MOS             float64
	MOSCountingLost float64
}

// QoS is what homer-ui's QoS tab shows for a transaction's rows.
type QoS struct {
	// Streams are the type 5 rows homer-ui keeps, by stream key.
	Streams map[StreamKey][]Point
	// Hidden are the type 5 rows homer-ui drops (zero packets or octets,
	// or a type outside 200/201/202/207).
	Hidden []Row
	// RTP are the type 34/35 rows ("rtp") with their parsed payloads.
	RTP []RTPRow
}

// RTPRow is one "rtp" row.
type RTPRow struct {
	Row   Row
	Agent RTPAgent
}

// QoSView applies homer-ui's qos.worker.ts rules to rows (a transaction).
func QoSView(rows []Row) (QoS, error) {
	q := QoS{Streams: map[StreamKey][]Point{}}
	for _, r := range rows {
		switch r.Table {
		case TableRTCP:
			var v RTCP
			if err := json.Unmarshal(r.Packet.Payload, &v); err != nil {
				return q, fmt.Errorf("homermodel: type 5 row %d: %w", r.ID, err)
			}
			if v.SenderInformation.Packets == 0 || v.SenderInformation.Octets == 0 ||
				!slices.Contains([]int{200, 201, 202, 207}, v.Type) {
				q.Hidden = append(q.Hidden, r)
				continue
			}
			k := StreamKey{Src: r.Packet.SrcIP, Dst: r.Packet.DstIP}
			q.Streams[k] = append(q.Streams[k], Point{Row: r, RTCP: v, MOS: UIMOS(v), MOSCountingLost: UIMOSCountingLost(v)})
		case TableQoS:
			var a RTPAgent
			if err := json.Unmarshal(r.Packet.Payload, &a); err != nil {
				return q, fmt.Errorf("homermodel: rtp row %d: %w", r.ID, err)
			}
			q.RTP = append(q.RTP, RTPRow{Row: r, Agent: a})
		}
	}
	return q, nil
}

// UIMOS is homer-ui's MOS of a type 5 row as its QoS tab shows it by
// default (hep-homer.md 5.1; qos.worker.ts with mosFraction): dlsr is the
// RTT in ms when below 1000 (else, or when 0, 10 ms), ia_jitter is read as
// ms, and the loss counted is packets_lost·100/256 when fraction_lost is
// above 0, else none.
func UIMOS(v RTCP) float64 { return uiMOS(v, true) }

// UIMOSCountingLost is homer-ui's MOS with the system setting
// qos.rtcp_mos_lost = "packets_lost": the loss counted is packets_lost.
func UIMOSCountingLost(v RTCP) float64 { return uiMOS(v, false) }

func uiMOS(v RTCP, fraction bool) float64 {
	if len(v.ReportBlocks) == 0 {
		return 0
	}
	b := v.ReportBlocks[0]
	rtt := 0.0
	if b.DLSR < 1000 {
		rtt = b.DLSR
	}
	if rtt == 0 {
		rtt = 10
	}
	lost := b.PacketsLost
	if fraction {
		switch {
		case b.FractionLost <= 0:
			lost = 0
		case b.FractionLost > 256:
			lost = 100
		default:
			lost = lost / 256 * 100
		}
	}
	el := rtt + 2*b.IAJitter + 10
	var r float64
	if el < 160 {
		r = 93.2 - el/40
	} else {
		r = 93.2 - (el-120)/10
	}
	r -= 2.5 * lost
	r = math.Min(math.Max(r, 0), 100)
	return math.Min(4.7, 1+0.035*r+7e-6*r*(r-60)*(100-r))
}

// placeholder is the fallback server address Argus used before it knew the
// listener; a row naming it points at no real host.
var placeholder = netip.AddrFrom4([4]byte{127, 0, 0, 2})

// Problems lists what a Homer user would find wrong in the transaction of
// sid: rows lost by the transaction dedup, rows sharing a millisecond, type 5
// rows homer-ui hides, "rtp" rows with no packets received, MOS on a video
// row or outside 1..4.5, and rows naming a placeholder address (127.0.0.2 or
// port 0). Empty means the view is truthful by these rules.
func (s *Store) Problems(sid string) []string {
	var out []string
	rows := s.Rows(sid)
	tx := s.Transaction(sid)
	if len(tx) != len(rows) {
		out = append(out, fmt.Sprintf("transaction of %s shows %d of its %d rows", sid, len(tx), len(rows)))
	}
	if ts := s.SharedTimestamps(sid); len(ts) > 0 {
		out = append(out, fmt.Sprintf("%d milliseconds shared by rows of %s, first %d ms", len(ts), sid, ts[0]))
	}
	for _, r := range rows {
		for _, a := range []netip.AddrPort{r.Src(), r.Dst()} {
			if a.Port() == 0 || a.Addr() == placeholder || !a.Addr().IsValid() || a.Addr().IsUnspecified() {
				out = append(out, fmt.Sprintf("%s row %d (%s) names placeholder address %v", r.Table, r.ID, sid, a))
				break
			}
		}
	}
	q, err := QoSView(tx)
	if err != nil {
		return append(out, err.Error())
	}
	for _, r := range q.Hidden {
		out = append(out, fmt.Sprintf("type 5 row %d of %s hidden by homer-ui: %s", r.ID, sid, r.Packet.Payload))
	}
	for _, r := range q.RTP {
		a := r.Agent
		switch {
		case a.TotalPK <= 0:
			out = append(out, fmt.Sprintf("rtp row %d of %s with TOTAL_PK %v: %s", r.Row.ID, sid, a.TotalPK, r.Row.Packet.Payload))
		case a.MOS != nil && a.Media != "audio":
			out = append(out, fmt.Sprintf("rtp row %d of %s: MOS on %q media", r.Row.ID, sid, a.Media))
		case a.MOS != nil && (*a.MOS < 1 || *a.MOS > 4.5):
			out = append(out, fmt.Sprintf("rtp row %d of %s: MOS %v out of range", r.Row.ID, sid, *a.MOS))
		case a.MOS == nil && a.Media == "audio":
			out = append(out, fmt.Sprintf("rtp row %d of %s: audio without MOS", r.Row.ID, sid))
		}
	}
	return out
}
