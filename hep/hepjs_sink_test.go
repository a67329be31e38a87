package hep_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/hep/homer"
	"github.com/argusrtc/argus/telemetry"
)

// TestHepJSDecodesSinkOutput sends events through the Homer sink to a UDP
// socket and checks that hep-js decodes every datagram: type, correlation
// id, node, and a payload that is JSON (the event itself for type 100).
func TestHepJSDecodesSinkOutput(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := homer.NewSink(homer.SinkConfig{URL: "udp://" + pc.LocalAddr().String(), NodeName: "argus-x", CaptureID: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Shutdown(context.Background()) }()
	const sid, hid = 777, 888
	ts := telemetry.Now()
	events := []*telemetry.Event{
		{Emitter: "argus-x", Type: telemetry.TypeSession, Timestamp: ts, SessionID: sid,
			Body: map[string]any{"name": "created", "transport": map[string]any{"transport": "janus.transport.http", "id": "1"}}},
		{Emitter: "argus-x", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport, Timestamp: ts + 1,
			SessionID: sid, HandleID: hid, Body: map[string]any{"mid": "0", "mindex": 0, "media": "audio", "base": 48000,
				"lost": 3, "jitter-local": 5, "rtt": 30, "packets-received": 97, "packets-sent": 100,
				"bytes-received": 9700, "bytes-sent": 10000}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Export(ctx, events); err != nil {
		t.Fatal(err)
	}
	var hexes []string
	buf := make([]byte, 65535)
	for range 4 { // 2 × type 100, 1 × type 5, 1 × type 34
		_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		hexes = append(hexes, hex.EncodeToString(buf[:n]))
	}
	types := map[uint8]int{}
	for i, raw := range hep.HepJSDecode(t, hexes) {
		var m struct {
			RCInfo struct {
				PayloadType   uint8  `json:"payloadType"`
				CorrelationID string `json:"correlation_id"`
				HepNodeName   string `json:"hepNodeName"`
				CaptureID     uint32 `json:"captureId"`
				SrcIP         string `json:"srcIp"`
			} `json:"rcinfo"`
			Payload string `json:"payload"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("packet %d: hep-js gave %s: %v", i, raw, err)
		}
		if m.RCInfo.CorrelationID != strconv.Itoa(sid) || m.RCInfo.HepNodeName != "argus-x" || m.RCInfo.CaptureID != 9 ||
			net.ParseIP(m.RCInfo.SrcIP) == nil || !json.Valid([]byte(m.Payload)) {
			t.Errorf("packet %d: %s", i, raw)
		}
		types[m.RCInfo.PayloadType]++
	}
	if types[hep.ProtoLog] != 2 || types[hep.ProtoRTCP] != 1 || types[hep.ProtoRTPAgent] != 1 {
		t.Fatalf("payload types %v", types)
	}
}
