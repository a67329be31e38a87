package hep

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// specExample is the HEP3 rev. 37 example packet (hep-homer.md 1.5).
const specExample = `
48 45 50 33 00 71
00 00 00 01 00 07 02
00 00 00 02 00 07 11
00 00 00 03 00 0a d4 ca 00 01
00 00 00 04 00 0a 52 74 00 d3
00 00 00 07 00 08 2e ea
00 00 00 08 00 08 13 c4
00 00 00 09 00 0a 4e 49 82 cb
00 00 00 0a 00 0a 00 01 d4 c0
00 00 00 0b 00 07 01
00 00 00 0c 00 0a 00 00 00 e4
00 00 00 0f 00 14 49 4e 56 49 54 45 20 73 69 70 3a 62 6f 62`

func specPacket() *Packet {
	return &Packet{
		Family: FamilyIPv4, Protocol: ProtocolUDP,
		SrcIP: netip.MustParseAddr("212.202.0.1"), DstIP: netip.MustParseAddr("82.116.0.211"),
		SrcPort: 12010, DstPort: 5060, TimeSec: 1313440459, TimeUsec: 120000,
		ProtoType: ProtoSIP, CaptureID: 228, Payload: []byte("INVITE sip:bob"),
	}
}

// logExample is the type-100 packet of hep-homer.md 1.6 with tsec 1700000000
// and tusec 123456 filled in.
const logExample = `
4845 5033 00b6 | 0000 0001 0007 02 | 0000 0002 0007 11 | 0000 0003 000a 7f00000a | 0000 0004 000a 7f000014
| 0000 0007 0008 13c4 | 0000 0008 0008 13c6 | 0000 0009 000a 6553f100 | 0000 000a 000a 0001e240
| 0000 000b 0007 64 | 0000 000c 000a 000007d1 | 0000 000e 000b 6d79486570
| 0000 0011 0016 6a616e75732d31323334353637383930
| 0000 0013 0010 6a616e75732d67772d31
| 0000 000f 0028 7b2274797065223a312c2273657373696f6e5f6964223a313233343536373839307d`

func logPacket() *Packet {
	return &Packet{
		Family: FamilyIPv4, Protocol: ProtocolUDP,
		SrcIP: netip.MustParseAddr("127.0.0.10"), DstIP: netip.MustParseAddr("127.0.0.20"),
		SrcPort: 5060, DstPort: 5062, TimeSec: 1700000000, TimeUsec: 123456,
		ProtoType: ProtoLog, CaptureID: 2001, AuthKey: "myHep",
		CorrelationID: "janus-1234567890", NodeName: "janus-gw-1",
		Payload: []byte(`{"type":1,"session_id":1234567890}`),
	}
}

func TestSpecExamples(t *testing.T) {
	tests := []struct {
		name string
		wire string
		pkt  *Packet
	}{
		{"rev37 example", specExample, specPacket()},
		{"type 100 example", logExample, logPacket()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.wire)
			got, err := AppendPacket(nil, tt.pkt)
			if err != nil {
				t.Fatalf("AppendPacket: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding differs\n got %x\nwant %x", got, want)
			}
			if EncodedLen(tt.pkt) != len(want) {
				t.Fatalf("EncodedLen = %d, want %d", EncodedLen(tt.pkt), len(want))
			}
			dec, err := Decode(want)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(dec, tt.pkt) {
				t.Fatalf("decoded %+v\nwant    %+v", dec, tt.pkt)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		pkt  Packet
	}{
		{"ipv4 minimal", Packet{SrcIP: netip.MustParseAddr("10.0.0.1"), DstIP: netip.MustParseAddr("10.0.0.2"), Payload: []byte("x")}},
		{"ipv6 full", Packet{
			Family: FamilyIPv6, Protocol: ProtocolTCP,
			SrcIP: netip.MustParseAddr("2001:db8::1"), DstIP: netip.MustParseAddr("fe80::2"),
			SrcPort: 1, DstPort: 65535, TimeSec: 4294967295, TimeUsec: 999999,
			ProtoType: ProtoRTCP, CaptureID: 4294967295, AuthKey: "k", CorrelationID: "c",
			NodeName: "n", VLAN: 42, Payload: []byte(`{"a":1}`),
		}},
		{"large payload", Packet{SrcIP: netip.MustParseAddr("1.2.3.4"), DstIP: netip.MustParseAddr("5.6.7.8"),
			CorrelationID: "cid", Payload: bytes.Repeat([]byte("a"), MaxPacketLen-200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendPacket([]byte("prefix"), &tt.pkt)
			if err != nil {
				t.Fatalf("AppendPacket: %v", err)
			}
			if string(b[:6]) != "prefix" {
				t.Fatalf("prefix clobbered")
			}
			got, err := Decode(b[6:])
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := tt.pkt
			if want.Family == 0 {
				want.Family = FamilyIPv4
			}
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("round trip\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestMappedIPv4EncodesAsIPv4(t *testing.T) {
	p := Packet{SrcIP: netip.MustParseAddr("::ffff:10.0.0.1"), DstIP: netip.MustParseAddr("10.0.0.2")}
	b, err := AppendPacket(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Family != FamilyIPv4 || got.SrcIP != netip.MustParseAddr("10.0.0.1") {
		t.Fatalf("got family %d src %v", got.Family, got.SrcIP)
	}
}

// TestMappedBesideIPv6RoundTrips is the fuzz finding of issue 10: an IPv6
// chunk holding an IPv4-mapped source beside a real IPv6 destination decodes,
// so it must re-encode (as IPv6) and decode to the same addresses.
func TestMappedBesideIPv6RoundTrips(t *testing.T) {
	src, dst := netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("2001:db8::2")
	raw := packet(chunk(0, ChunkIPv6Src, src.AsSlice()), chunk(0, ChunkIPv6Dst, dst.AsSlice()))
	p, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := AppendPacket(nil, p)
	if err != nil {
		t.Fatalf("re-encode of a decoded packet: %v", err)
	}
	q, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if q.Family != FamilyIPv6 || q.SrcIP != src || q.DstIP != dst {
		t.Fatalf("got family %d %v -> %v", q.Family, q.SrcIP, q.DstIP)
	}
}

func TestEncodeRejects(t *testing.T) {
	v4, v6 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::1")
	tests := []struct {
		name string
		pkt  Packet
		want error
	}{
		{"no src", Packet{DstIP: v4}, ErrAddress},
		{"no dst", Packet{SrcIP: v4}, ErrAddress},
		{"mixed families", Packet{SrcIP: v4, DstIP: v6}, ErrAddress},
		{"too large", Packet{SrcIP: v4, DstIP: v4, Payload: make([]byte, MaxPacketLen)}, ErrTooLarge},
		{"just too large", Packet{SrcIP: v4, DstIP: v4, Payload: make([]byte, MaxPacketLen-EncodedLen(&Packet{SrcIP: v4})+1)}, ErrTooLarge},
		{"huge string", Packet{SrcIP: v4, DstIP: v4, NodeName: strings.Repeat("n", 70000)}, ErrChunkTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendPacket([]byte{1}, &tt.pkt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !bytes.Equal(b, []byte{1}) {
				t.Fatalf("dst modified on error: %x", b)
			}
		})
	}
	// The largest packet that fits is accepted.
	p := Packet{SrcIP: v4, DstIP: v4}
	p.Payload = make([]byte, MaxPacketLen-EncodedLen(&p))
	if b, err := AppendPacket(nil, &p); err != nil || len(b) != MaxPacketLen {
		t.Fatalf("max packet: len %d err %v", len(b), err)
	}
}

// chunk builds one raw chunk.
func chunk(vendor, typ uint16, v []byte) []byte {
	n := 6 + len(v)
	return append([]byte{byte(vendor >> 8), byte(vendor), byte(typ >> 8), byte(typ), byte(n >> 8), byte(n)}, v...)
}

// packet builds a raw packet with the right total length.
func packet(chunks ...[]byte) []byte {
	b := []byte("HEP3\x00\x00")
	for _, c := range chunks {
		b = append(b, c...)
	}
	b[4], b[5] = byte(len(b)>>8), byte(len(b))
	return b
}

func TestDecodeRejects(t *testing.T) {
	spec := mustHex(t, specExample)
	withLen := func(b []byte, n int) []byte {
		c := bytes.Clone(b)
		c[4], c[5] = byte(n>>8), byte(n)
		return c
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrShortPacket},
		{"five bytes", []byte("HEP3\x00"), ErrShortPacket},
		{"EEP3 prefix", append([]byte("EEP3"), spec[4:]...), ErrBadMagic},
		{"HEPv2", append([]byte{0x02, 0x10, 0x02, 0x11}, spec[4:]...), ErrBadMagic},
		{"length too small", withLen(spec, len(spec)-1), ErrLengthMismatch},
		{"length too big", withLen(spec, len(spec)+1), ErrLengthMismatch},
		{"trailing byte", append(bytes.Clone(spec), 0), ErrLengthMismatch},
		{"over max", withLen(append(bytes.Clone(spec), make([]byte, MaxPacketLen)...), 0), ErrTooLarge},
		{"partial chunk header", packet(chunk(0, ChunkFamily, []byte{2}), []byte{0, 0, 0}), ErrChunkShort},
		{"chunk length below 6", packet([]byte{0, 0, 0, 0x0f, 0, 5}), ErrChunkShort},
		{"chunk length zero", packet([]byte{0, 0, 0, 0x0f, 0, 0}), ErrChunkShort},
		{"chunk past end", packet([]byte{0, 0, 0, 0x0f, 0, 9, 'a'}), ErrChunkOverflow},
		{"family 2 bytes", packet(chunk(0, ChunkFamily, []byte{0, 2})), ErrChunkSize},
		{"protocol empty", packet(chunk(0, ChunkProtocol, nil)), ErrChunkSize},
		{"ipv4 src 16 bytes", packet(chunk(0, ChunkIPv4Src, make([]byte, 16))), ErrChunkSize},
		{"ipv4 dst 3 bytes", packet(chunk(0, ChunkIPv4Dst, make([]byte, 3))), ErrChunkSize},
		{"ipv6 src 4 bytes", packet(chunk(0, ChunkIPv6Src, make([]byte, 4))), ErrChunkSize},
		{"ipv6 dst 15 bytes", packet(chunk(0, ChunkIPv6Dst, make([]byte, 15))), ErrChunkSize},
		{"src port 4 bytes", packet(chunk(0, ChunkSrcPort, make([]byte, 4))), ErrChunkSize},
		{"dst port 1 byte", packet(chunk(0, ChunkDstPort, make([]byte, 1))), ErrChunkSize},
		{"tsec 8 bytes", packet(chunk(0, ChunkTimeSec, make([]byte, 8))), ErrChunkSize},
		{"tusec 2 bytes", packet(chunk(0, ChunkTimeUsec, make([]byte, 2))), ErrChunkSize},
		{"proto type 2 bytes", packet(chunk(0, ChunkProtoType, make([]byte, 2))), ErrChunkSize},
		{"capture id 2 bytes", packet(chunk(0, ChunkCaptureID, make([]byte, 2))), ErrChunkSize},
		{"vlan 4 bytes", packet(chunk(0, ChunkVLAN, make([]byte, 4))), ErrChunkSize},
		{"vendor chunk same rules", packet(chunk(5, ChunkSrcPort, make([]byte, 3))), ErrChunkSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if p != nil {
				t.Fatalf("packet returned with error: %+v", p)
			}
		})
	}
}

func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		check func(*Packet) bool
	}{
		{"header only", packet(), func(p *Packet) bool { return reflect.DeepEqual(*p, Packet{}) }},
		{"vendor id ignored", packet(chunk(5, ChunkCorrelationID, []byte("vendor-cid"))),
			func(p *Packet) bool { return p.CorrelationID == "vendor-cid" }},
		{"later chunk wins", packet(chunk(0, ChunkCorrelationID, []byte("a")), chunk(0, ChunkCorrelationID, []byte("b"))),
			func(p *Packet) bool { return p.CorrelationID == "b" }},
		{"unknown and ignored chunks skipped", packet(
			chunk(0, ChunkKeepAlive, []byte{0, 1, 2}), chunk(0, 0x0020, []byte{1}),
			chunk(0, ChunkCompressed, []byte("zz")), chunk(0, 0x7fff, nil), chunk(0, ChunkPayload, []byte("p"))),
			func(p *Packet) bool { return string(p.Payload) == "p" && p.CorrelationID == "" }},
		{"compressed payload not used", packet(chunk(0, ChunkCompressed, []byte("zz"))),
			func(p *Packet) bool { return len(p.Payload) == 0 }},
		{"correlation id any bytes", packet(chunk(0, ChunkCorrelationID, []byte{0, 0xff, 'x'})),
			func(p *Packet) bool { return p.CorrelationID == "\x00\xffx" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !tt.check(p) {
				t.Fatalf("unexpected packet %+v", p)
			}
		})
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	b := mustHex(t, logExample)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if string(p.Payload) != `{"type":1,"session_id":1234567890}` {
		t.Fatalf("payload aliases input: %q", p.Payload)
	}
}

func TestPacketHelpers(t *testing.T) {
	var p Packet
	p.SetMicros(1700000000123456)
	if p.TimeSec != 1700000000 || p.TimeUsec != 123456 {
		t.Fatalf("SetMicros: %d.%06d", p.TimeSec, p.TimeUsec)
	}
	if got := p.Time().UnixMicro(); got != 1700000000123456 {
		t.Fatalf("Time = %d", got)
	}
	p.SetMicros(-5)
	if p.TimeSec != 0 || p.TimeUsec != 0 {
		t.Fatalf("negative: %d.%d", p.TimeSec, p.TimeUsec)
	}
	if p.Storable() {
		t.Fatal("empty packet storable")
	}
	p.Payload, p.CorrelationID = []byte("{}"), "c"
	if !p.Storable() {
		t.Fatal("packet with payload and cid not storable")
	}
}
