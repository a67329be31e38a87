package hep

import (
	"net/netip"
	"strconv"
	"testing"
)

func benchPacket(payload int) *Packet {
	return &Packet{
		Protocol: ProtocolUDP, SrcIP: netip.MustParseAddr("192.0.2.10"), DstIP: netip.MustParseAddr("192.0.2.1"),
		SrcPort: 50000, DstPort: 8188, TimeSec: 1700000000, TimeUsec: 1, ProtoType: ProtoLog,
		CaptureID: 2001, CorrelationID: "1234567890123456", NodeName: "argus-1",
		Payload: make([]byte, payload),
	}
}

func BenchmarkAppendPacket(b *testing.B) {
	for _, size := range []int{256, 4096} {
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) {
			p := benchPacket(size)
			buf := make([]byte, 0, MaxPacketLen)
			b.ReportAllocs()
			b.SetBytes(int64(EncodedLen(p)))
			for b.Loop() {
				var err error
				buf, err = AppendPacket(buf[:0], p)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	raw, err := AppendPacket(nil, benchPacket(512))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendPacketNoAllocs(t *testing.T) {
	p := benchPacket(1000)
	buf := make([]byte, 0, MaxPacketLen)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = AppendPacket(buf[:0], p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendPacket allocates %v times per packet with a reused buffer", allocs)
	}
}
