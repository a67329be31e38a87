package homer

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

var (
	testClient = netip.MustParseAddrPort("192.0.2.10:54321")
	testServer = netip.MustParseAddrPort("192.0.2.1:8188")
	gwMedia    = netip.MustParseAddrPort("198.51.100.7:40000")
	clientRTP  = netip.MustParseAddrPort("203.0.113.9:50000")
)

func newTestSink(t testing.TB, url string, mod func(*SinkConfig)) *Sink {
	t.Helper()
	cfg := SinkConfig{URL: url, CaptureID: 4711, NodeName: "argus-test-node",
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.ShutdownAtEnd(t, "Shutdown", 5*time.Second, s.Shutdown)
	return s
}

func export(t testing.TB, s *Sink, events []*telemetry.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Export(ctx, events); err != nil {
		t.Fatalf("Export: %v", err)
	}
}

func TestEchoTestScript(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			var r *receiver
			if network == "udp" {
				r = newUDPReceiver(t)
			} else {
				r = newTCPReceiver(t, "127.0.0.1:0")
			}
			s := newTestSink(t, network+"://"+r.addr, func(c *SinkConfig) {
				c.Password = "myHep"
				c.AddressOf = func(id uint64) (netip.AddrPort, netip.AddrPort, bool) {
					return testClient, testServer, id == testSession
				}
			})
			events := echoTestScript(telemetry.Now())
			export(t, s, events[:5])
			export(t, s, events[5:])
			want := len(events) + qosPackets
			pkts := r.collect(want)
			checkScript(t, events, pkts)
			st := s.Stats()
			if st.Events != uint64(len(events)) || st.Packets != uint64(want) || st.Dropped != 0 || st.Bytes == 0 {
				t.Fatalf("stats %+v", st)
			}
			if st.Handles != 0 {
				t.Fatalf("handle state kept after detached: %d", st.Handles)
			}
		})
	}
}

// checkScript asserts the packets of echoTestScript: one type 100 per event
// (exact JSON, session correlation, AddressOf addresses, real timestamps) and
// one type 5 plus one type 34 per media report.
func checkScript(t *testing.T, events []*telemetry.Event, pkts []*hep.Packet) {
	t.Helper()
	byPayload := map[string]*telemetry.Event{}
	for _, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		byPayload[string(b)] = e
	}
	cid := strconv.FormatUint(testSession, 10)
	var logs, rtcps, agents int
	for _, p := range pkts {
		if p.CorrelationID != cid {
			t.Errorf("type %d: correlation id %q, want %q", p.ProtoType, p.CorrelationID, cid)
		}
		if p.CaptureID != 4711 || p.NodeName != "argus-test-node" || p.AuthKey != "myHep" || !p.Storable() {
			t.Errorf("agent fields: %+v", p)
		}
		src := netip.AddrPortFrom(p.SrcIP, p.SrcPort)
		dst := netip.AddrPortFrom(p.DstIP, p.DstPort)
		switch p.ProtoType {
		case hep.ProtoLog:
			logs++
			e := byPayload[string(p.Payload)]
			if e == nil {
				t.Errorf("type 100 payload is not an event's JSON: %s", p.Payload)
				continue
			}
			delete(byPayload, string(p.Payload))
			if p.Time().UnixMicro() != e.Timestamp {
				t.Errorf("timestamp %d.%06d, want %d", p.TimeSec, p.TimeUsec, e.Timestamp)
			}
			if src != testClient || dst != testServer || p.Family != hep.FamilyIPv4 {
				t.Errorf("type 100 %v -> %v family %d", src, dst, p.Family)
			}
		case hep.ProtoRTCP:
			rtcps++
			if (src != gwMedia || dst != clientRTP) && (src != clientRTP || dst != gwMedia) {
				t.Errorf("type 5 %v -> %v, want the ICE pair, either way", src, dst)
			}
			checkRTCP(t, p.Payload)
		case hep.ProtoRTPAgent:
			agents++
			if (src != gwMedia || dst != clientRTP) && (src != clientRTP || dst != gwMedia) {
				t.Errorf("type 34 %v -> %v, want the ICE pair, either way", src, dst)
			}
			checkAgent(t, p.Payload, cid)
		default:
			t.Errorf("unexpected proto type %d", p.ProtoType)
		}
	}
	if logs != len(events) || rtcps != qosPackets/2 || agents != qosPackets/2 {
		t.Errorf("got %d logs, %d rtcp, %d rtpagent; want %d, %d, %d", logs, rtcps, agents,
			len(events), qosPackets/2, qosPackets/2)
	}
}

func checkRTCP(t *testing.T, payload []byte) {
	t.Helper()
	var r rtcpJSON
	if err := json.Unmarshal(payload, &r); err != nil {
		t.Fatalf("type 5 payload %s: %v", payload, err)
	}
	si := r.SenderInformation
	if r.Type != 200 || r.ReportCount != 1 || len(r.ReportBlocks) != 1 || si.Packets == 0 || si.Octets == 0 ||
		si.NTPTimestampSec < 3_900_000_000 || r.SSRC == 0 || r.SSRC != r.SDESSSRC {
		t.Errorf("type 5: %s", payload)
	}
	rb := r.ReportBlocks[0]
	if rb.SourceSSRC == 0 || rb.SourceSSRC != r.SSRC || rb.HighestSeqNo == 0 || rb.IAJitter == 0 {
		t.Errorf("type 5 report block: %s", payload)
	}
}

func checkAgent(t *testing.T, payload []byte, cid string) {
	t.Helper()
	var a rtpAgentJSON
	if err := json.Unmarshal(payload, &a); err != nil {
		t.Fatalf("type 34 payload %s: %v", payload, err)
	}
	badMOS := a.Media == "audio" && (a.MOS == nil || *a.MOS < 1 || *a.MOS > 4.5) || a.Media != "audio" && a.MOS != nil
	if a.CorrelationID != cid || badMOS || a.TotalPK == 0 || a.ExpectedPK < a.TotalPK ||
		a.PacketLoss != int64(a.ExpectedPK-a.TotalPK) || a.HandleID != testHandle || a.Media == "" {
		t.Errorf("type 34: %s", payload)
	}
}
