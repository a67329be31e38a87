package hep

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hepjsRCInfo is hep-js's rcinfo object (its field names).
type hepjsRCInfo struct {
	ProtocolFamily uint8  `json:"protocolFamily"`
	Protocol       uint8  `json:"protocol"`
	SrcIP          string `json:"srcIp,omitempty"`
	DstIP          string `json:"dstIp,omitempty"`
	SrcPort        uint16 `json:"srcPort"`
	DstPort        uint16 `json:"dstPort"`
	TimeSeconds    uint32 `json:"timeSeconds"`
	TimeUseconds   uint32 `json:"timeUseconds"`
	PayloadType    uint8  `json:"payloadType"`
	CaptureID      uint32 `json:"captureId"`
	CapturePass    string `json:"capturePass,omitempty"`
	CorrelationID  string `json:"correlation_id,omitempty"`
	HepNodeName    string `json:"hepNodeName,omitempty"`
}

type hepjsMessage struct {
	RCInfo  hepjsRCInfo `json:"rcinfo"`
	Payload string      `json:"payload"`
}

type hepjsRequest struct {
	Decode []string       `json:"decode"`
	Encode []hepjsMessage `json:"encode"`
}

type hepjsResponse struct {
	Decoded []json.RawMessage `json:"decoded"`
	Encoded []string          `json:"encoded"`
}

// runHepJS runs hepjs/check.js with node, installing hep-js with npm first
// when hepjs/node_modules is missing. It never skips: the cross-check is part
// of CI, so a missing node or npm is a test failure.
func runHepJS(t *testing.T, req hepjsRequest) hepjsResponse {
	t.Helper()
	dir, err := filepath.Abs("hepjs")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (Node.js >= 14) is required for the hep-js cross-check and was not found in PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "hep-js", "index.js")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("npm is required to install hep-js into %s and was not found in PATH: %v", dir, err)
		}
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s failed: %v\n%s", dir, err, out)
		}
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, "check.js")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node check.js: %v\n%s", err, stderr.String())
	}
	var resp hepjsResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("check.js output %q: %v", out, err)
	}
	return resp
}

func crossCheckPackets() []*Packet {
	big := `{"emitter":"argus","type":8,"event":{"owner":"local","jsep":{"type":"offer","sdp":"` +
		strings.Repeat(`a=candidate:1 1 udp 2130706431 192.0.2.1 50000 typ host\r\n`, 150) + `"}}}`
	return []*Packet{
		specPacket(),
		logPacket(),
		{
			Protocol: ProtocolTCP, SrcIP: netip.MustParseAddr("192.0.2.10"), DstIP: netip.MustParseAddr("198.51.100.1"),
			SrcPort: 54321, DstPort: 8188, TimeSec: 1763900000, TimeUsec: 999999, ProtoType: ProtoRTCP,
			CaptureID: 4000000000, CorrelationID: "8187126384712", NodeName: "argus-node-7",
			Payload: []byte(`{"type":200,"ssrc":1,"sender_information":{"packets":10,"octets":1000}}`),
		},
		{
			Protocol: ProtocolUDP, SrcIP: netip.MustParseAddr("10.1.2.3"), DstIP: netip.MustParseAddr("10.3.2.1"),
			TimeSec: 1, ProtoType: ProtoLog, CaptureID: 1, CorrelationID: "opaque-äbc", NodeName: "n",
			Payload: []byte(big),
		},
	}
}

// TestHepJSDecodesArgus encodes packets with AppendPacket and checks every
// field hep-js's decapsulate reports.
func TestHepJSDecodesArgus(t *testing.T) {
	pkts := crossCheckPackets()
	var req hepjsRequest
	for _, p := range pkts {
		b, err := AppendPacket(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		req.Decode = append(req.Decode, hex.EncodeToString(b))
	}
	resp := runHepJS(t, req)
	if len(resp.Decoded) != len(pkts) {
		t.Fatalf("hep-js decoded %d packets, want %d", len(resp.Decoded), len(pkts))
	}
	for i, p := range pkts {
		var got hepjsMessage
		if err := json.Unmarshal(resp.Decoded[i], &got); err != nil {
			t.Fatalf("packet %d: hep-js result %s: %v", i, resp.Decoded[i], err)
		}
		want := hepjsMessage{Payload: string(p.Payload), RCInfo: hepjsRCInfo{
			ProtocolFamily: FamilyIPv4, Protocol: p.Protocol, SrcIP: p.SrcIP.String(), DstIP: p.DstIP.String(),
			SrcPort: p.SrcPort, DstPort: p.DstPort, TimeSeconds: p.TimeSec, TimeUseconds: p.TimeUsec,
			PayloadType: p.ProtoType, CaptureID: p.CaptureID, CapturePass: p.AuthKey,
			CorrelationID: p.CorrelationID, HepNodeName: p.NodeName,
		}}
		if got != want {
			t.Errorf("packet %d: hep-js decoded\n%+v\nwant\n%+v", i, got, want)
		}
	}
}

// TestArgusDecodesHepJS encodes packets with hep-js's encapsulate and checks
// every field Decode reports.
func TestArgusDecodesHepJS(t *testing.T) {
	msgs := []hepjsMessage{
		{Payload: "INVITE sip:bob", RCInfo: hepjsRCInfo{ProtocolFamily: 2, Protocol: 17, SrcIP: "212.202.0.1",
			DstIP: "82.116.0.211", SrcPort: 12010, DstPort: 5060, TimeSeconds: 1313440459, TimeUseconds: 120000,
			PayloadType: 1, CaptureID: 228}},
		{Payload: `{"type":1,"session_id":1234567890}`, RCInfo: hepjsRCInfo{ProtocolFamily: 2, Protocol: 17,
			SrcIP: "127.0.0.10", DstIP: "127.0.0.20", SrcPort: 5060, DstPort: 5062, TimeSeconds: 1763900000,
			TimeUseconds: 654321, PayloadType: 100, CaptureID: 2001, CapturePass: "myHep",
			CorrelationID: "janus-1234567890", HepNodeName: "janus-gw-1"}},
		{Payload: `{"MOS":4.2}`, RCInfo: hepjsRCInfo{ProtocolFamily: 2, Protocol: 6, SrcIP: "10.0.0.1",
			DstIP: "10.0.0.2", SrcPort: 1, DstPort: 65535, TimeSeconds: 4294967295, TimeUseconds: 0,
			PayloadType: 34, CaptureID: 4294967295, CorrelationID: "42", HepNodeName: "argus"}},
	}
	resp := runHepJS(t, hepjsRequest{Encode: msgs})
	if len(resp.Encoded) != len(msgs) {
		t.Fatalf("hep-js encoded %d packets, want %d", len(resp.Encoded), len(msgs))
	}
	for i, m := range msgs {
		raw, err := hex.DecodeString(resp.Encoded[i])
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(raw)
		if err != nil {
			t.Fatalf("packet %d: Decode of hep-js output %x: %v", i, raw, err)
		}
		node := m.RCInfo.HepNodeName
		if node == "" {
			node = "228" // hep-js falls back to the decimal capture id
		}
		want := Packet{
			Family: m.RCInfo.ProtocolFamily, Protocol: m.RCInfo.Protocol,
			SrcIP: netip.MustParseAddr(m.RCInfo.SrcIP), DstIP: netip.MustParseAddr(m.RCInfo.DstIP),
			SrcPort: m.RCInfo.SrcPort, DstPort: m.RCInfo.DstPort, TimeSec: m.RCInfo.TimeSeconds,
			TimeUsec: m.RCInfo.TimeUseconds, ProtoType: m.RCInfo.PayloadType, CaptureID: m.RCInfo.CaptureID,
			AuthKey: m.RCInfo.CapturePass, CorrelationID: m.RCInfo.CorrelationID, NodeName: node,
			Payload: []byte(m.Payload),
		}
		if p.Family != want.Family || p.Protocol != want.Protocol || p.SrcIP != want.SrcIP || p.DstIP != want.DstIP ||
			p.SrcPort != want.SrcPort || p.DstPort != want.DstPort || p.TimeSec != want.TimeSec ||
			p.TimeUsec != want.TimeUsec || p.ProtoType != want.ProtoType || p.CaptureID != want.CaptureID ||
			p.AuthKey != want.AuthKey || p.CorrelationID != want.CorrelationID || p.NodeName != want.NodeName ||
			!bytes.Equal(p.Payload, want.Payload) {
			t.Errorf("packet %d: decoded\n%+v\nwant\n%+v", i, *p, want)
		}
	}
}

// HepJSDecode decodes hex packets with hep-js; exported for the external
// test package (the sink cross-check).
func HepJSDecode(t *testing.T, hexes []string) []json.RawMessage {
	t.Helper()
	return runHepJS(t, hepjsRequest{Decode: hexes}).Decoded
}
