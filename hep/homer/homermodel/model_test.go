package homermodel

import (
	"math"
	"net/netip"
	"testing"

	"github.com/argusrtc/argus/hep"
)

func rtcp(jitter, dlsr, lost, fraction float64) RTCP {
	var v RTCP
	v.Type = 200
	v.SenderInformation.Packets, v.SenderInformation.Octets = 1, 1
	v.ReportBlocks = append(v.ReportBlocks, ReportBlock{PacketsLost: lost, IAJitter: jitter, DLSR: dlsr, FractionLost: fraction})
	return v
}

// The numbers measured in homer-ui (hep-homer.md 5.1), by default and with
// rtcp_mos_lost = packets_lost.
func TestUIMOS(t *testing.T) {
	tests := []struct {
		name                         string
		jitter, dlsr, lost, fraction float64
		want, wantCountingLost       float64
	}{
		{"video jitter in RTP units", 2430, 0, 0, 0, 1.0, 1.0},
		{"27 ms of jitter", 27, 0, 0, 0, 4.37, 4.37},
		{"perfect", 0, 0, 0, 0, 4.40, 4.40},
		{"dlsr over 1000 is no RTT", 0, 5000, 0, 0, 4.40, 4.40},
		{"20 lost, some in the interval", 5, 0, 20, 10, 3.73, 2.19},
		{"20 lost, none in the interval", 5, 0, 20, 0, 4.39, 2.19},
	}
	for _, tt := range tests {
		v := rtcp(tt.jitter, tt.dlsr, tt.lost, tt.fraction)
		if got := UIMOS(v); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("%s: MOS %.3f, want %.2f", tt.name, got, tt.want)
		}
		if got := UIMOSCountingLost(v); math.Abs(got-tt.wantCountingLost) > 0.01 {
			t.Errorf("%s: MOS counting lost %.3f, want %.2f", tt.name, got, tt.wantCountingLost)
		}
	}
}

func TestTransactionDedup(t *testing.T) {
	st := NewStore()
	at := func(proto uint8, us uint32) hep.Packet {
		return hep.Packet{ProtoType: proto, CorrelationID: "s", Payload: []byte(`{"type":200}`), TimeSec: 1, TimeUsec: us,
			SrcIP: netip.MustParseAddr("192.0.2.1"), DstIP: netip.MustParseAddr("192.0.2.2"), SrcPort: 1, DstPort: 2}
	}
	// Row 1 of the RTCP and of the QoS table share a timestamp: one is lost.
	st.Add(at(hep.ProtoRTCP, 5))
	st.Add(at(hep.ProtoRTPAgent, 5))
	st.Add(at(hep.ProtoLog, 6))
	if !st.Add(at(hep.ProtoLog, 7)) || st.Add(hep.Packet{ProtoType: hep.ProtoLog, Payload: []byte("x")}) {
		t.Fatal("Add stores a packet without a correlation id, or not one with it")
	}
	if n := len(st.Transaction("s")); n != 3 {
		t.Fatalf("transaction has %d rows, want 3 (one of the two at 5 µs dropped)", n)
	}
	if ts := st.SharedTimestamps("s"); len(ts) != 1 || ts[0] != 1_000 {
		t.Fatalf("shared milliseconds %v, want [1000]", ts)
	}
	// Distinct µs in one ms are still shared (homer-ui joins by ms); one
	// row per ms is not.
	ms := NewStore()
	ms.Add(at(hep.ProtoRTCP, 1_000))
	ms.Add(at(hep.ProtoRTPAgent, 1_999))
	ms.Add(at(hep.ProtoLog, 3_000))
	if ts := ms.SharedTimestamps("s"); len(ts) != 1 || ts[0] != 1_001 {
		t.Fatalf("shared milliseconds %v, want [1001]", ts)
	}
	one := NewStore()
	one.Add(at(hep.ProtoRTCP, 1_999))
	one.Add(at(hep.ProtoRTPAgent, 2_000))
	if ts := one.SharedTimestamps("s"); len(ts) != 0 {
		t.Fatalf("shared milliseconds %v, want none", ts)
	}
	if len(st.Problems("s")) == 0 {
		t.Fatal("no problem reported")
	}
}
