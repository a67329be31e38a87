package homer

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/telemetry"
)

// checkQoSJSON fails unless appendRTCP and appendRTPAgent give
// json.Marshal's bytes (or, for the agent, its error) for r and a, appended
// after a prefix.
func checkQoSJSON(t *testing.T, r *rtcpJSON, a *rtpAgentJSON) {
	t.Helper()
	prefix := []byte("xy")
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendRTCP(prefix[:2:2], r); !bytes.Equal(got[2:], want) || string(got[:2]) != "xy" {
		t.Fatalf("appendRTCP\n%s\nwant\n%s", got[2:], want)
	}
	want, wantErr := json.Marshal(a)
	got, err := appendRTPAgent(prefix[:2:2], a)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("appendRTPAgent error %v, json.Marshal's %v", err, wantErr)
	}
	if err != nil {
		if err.Error() != wantErr.Error() {
			t.Fatalf("appendRTPAgent error %q, json.Marshal's %q", err, wantErr)
		}
		return
	}
	if !bytes.Equal(got[2:], want) {
		t.Fatalf("appendRTPAgent\n%s\nwant\n%s", got[2:], want)
	}
}

func qosValues(u32 uint32, i32 int32, u64 uint64, f1, f2, f3 float64, s1, s2 string, mos bool) (*rtcpJSON, *rtpAgentJSON) {
	r := &rtcpJSON{
		SenderInformation: senderInfo{NTPTimestampSec: u32, NTPTimestampUsec: u32 / 3, RTPTimestamp: ^u32, Packets: u32 >> 1, Octets: u32 * 7},
		SSRC:              u32 ^ 0x5a5a5a5a, Type: int(i32), ReportCount: int(i32 % 3),
		ReportBlocks: []rtcpReport{{SourceSSRC: u32, FractionLost: uint8(u32), PacketsLost: i32, HighestSeqNo: u32 + 1,
			IAJitter: u32 >> 3, LSR: u32 >> 5, DLSR: u32 >> 7}},
		SDESSSRC: u32 + 9,
	}
	a := &rtpAgentJSON{CorrelationID: s1, Jitter: f1, PacketLoss: int64(i32) * 3, Delta: f2, TotalPK: u64,
		ExpectedPK: u64 / 2, RTT: f3, Direction: dirUplink, Media: s2, MID: s1 + s2, Codec: s2,
		SessionID: u64 % 3, HandleID: u64}
	if mos {
		a.MOS, a.RFactor = &f2, &f3
	}
	return r, a
}

// TestQoSJSONIsJSONMarshal: the QoS payloads are json.Marshal's bytes for
// the values that need care: floats in 'e' form and near its cut-offs,
// negative zero, extremes, strings to escape or not, omitted fields, no or
// two report blocks, and NaN and infinities (json.Marshal's error).
func TestQoSJSONIsJSONMarshal(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e20, 1e21, 123456789012345678901,
		-1e21, math.MaxFloat64, math.SmallestNonzeroFloat64, 12.345678901234567, 4.4, 93.2}
	strs := []string{"", "echotest-abc", "a\"b", `c\d`, "<&>", "tab\there", "é", "\u2028", "\xff", "\x7f", "video-h"}
	for _, f := range floats {
		for i, s := range strs {
			r, a := qosValues(uint32(i)*0x9e3779b9, int32(-i*1000), uint64(i)<<60, f, -f, f/3, s, strs[len(strs)-1-i], i%2 == 0)
			checkQoSJSON(t, r, a)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for _, mos := range []bool{false, true} {
			r, a := qosValues(1, 2, 3, 1, 1, 1, "c", "audio", mos)
			if mos {
				a.MOS = &f
			} else {
				a.RTT = f
			}
			checkQoSJSON(t, r, a)
		}
	}
	r, a := qosValues(1, 2, 3, 1, 1, 1, "c", "audio", false)
	r.ReportBlocks = nil
	checkQoSJSON(t, r, a)
	r.ReportBlocks = []rtcpReport{{SourceSSRC: 1}, {SourceSSRC: 2, PacketsLost: math.MinInt32}}
	checkQoSJSON(t, r, a)
}

// FuzzQoSJSON: for any values, the QoS payloads are json.Marshal's bytes
// (or its error).
func FuzzQoSJSON(f *testing.F) {
	f.Add(uint32(1), int32(-2), uint64(3), 0.5, 1e-7, 1e21, "cid", "audio", true)
	f.Add(uint32(math.MaxUint32), int32(math.MinInt32), uint64(math.MaxUint64), math.Inf(1), math.NaN(), math.Copysign(0, -1), "<a\"\\>", "\xffé", false)
	f.Fuzz(func(t *testing.T, u32 uint32, i32 int32, u64 uint64, f1, f2, f3 float64, s1, s2 string, mos bool) {
		r, a := qosValues(u32, i32, u64, f1, f2, f3, s1, s2, mos)
		checkQoSJSON(t, r, a)
	})
}

// TestReusedQoSBufferSamePackets: the Sink's mapper, which appends every
// media report's QoS payloads into one buffer reused from event to event,
// gives byte for byte the packets of a mapper that does not reuse it, for
// the EchoTest script with typed and untyped media reports.
func TestReusedQoSBufferSamePackets(t *testing.T) {
	events := echoTestScript(telemetry.Now())
	var typed []*telemetry.Event
	for _, e := range events {
		if e.Type == telemetry.TypeMedia && e.Subtype == telemetry.SubtypeMediaReport {
			raw, err := json.Marshal(e.Body)
			if err != nil {
				t.Fatal(err)
			}
			c := *e
			c.Body = telemetry.DecodeBody(e.Type, e.Subtype, raw)
			typed = append(typed, &c)
		}
	}
	events = append(events, typed...)
	cfg := SinkConfig{URL: "udp://127.0.0.1:9060", NodeName: "node-a"}
	if _, _, err := cfg.withDefaults(); err != nil {
		t.Fatal(err)
	}
	fresh, reused := newMapper(&cfg), newMapper(&cfg)
	reused.reuseQoS = true
	var a, b []hep.Packet
	media := 0
	for _, e := range events {
		var err error
		if a, err = fresh.packets(e, a[:0]); err != nil {
			t.Fatal(err)
		}
		if b, err = reused.packets(e, b[:0]); err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("%d packets, want %d", len(b), len(a))
		}
		for i := range a {
			wa, err := hep.AppendPacket(nil, &a[i])
			if err != nil {
				t.Fatal(err)
			}
			wb, err := hep.AppendPacket(nil, &b[i])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(wa, wb) {
				t.Fatalf("event %d/%d packet %d differs:\n%q\nwant\n%q", e.Type, e.Subtype, i, wb, wa)
			}
			if a[i].ProtoType == hep.ProtoRTPAgent {
				media++
			}
		}
	}
	if media < 4 {
		t.Fatalf("only %d type 34 packets compared", media)
	}
}
