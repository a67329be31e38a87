package echotest

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
)

// benchEchoPacket is a marshalled 1000-byte VP8 key frame start with a
// header extension (mid), as a browser sends: S=1, PID=0, and the payload
// header's bit 0 clear (key frame).
func benchEchoPacket(b *testing.B) []byte { return coretest.VP8Packet(b, 0x10) }

// BenchmarkEchoWrite is the plain echo's per-packet step after the read:
// the raw packet written to the m-line's local track (an unbound pion
// TrackLocalStaticRTP: pion's parse and fan-out, before the interceptors
// and the network).
func BenchmarkEchoWrite(b *testing.B) {
	track := coretest.VP8Track(b)
	raw := benchEchoPacket(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := track.Write(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulcastAccept is the simulcast echo's per-packet decision
// and rewrite (echoLayer: unmarshal, layer selection, seq/ts rewrite).
func BenchmarkSimulcastAccept(b *testing.B) {
	sim := newSimulcast(true)
	sim.setOrder([]string{"h", "m", "l"})
	layer := sim.layerOf("h", 42)
	raw := benchEchoPacket(b)
	var pkt rtp.Packet
	now := time.Unix(1000, 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := coretest.NextPacket(raw, &pkt); err != nil {
			b.Fatal(err)
		}
		if v := sim.accept(layer, &pkt, maxLayer, maxLayer, now); !v.forward {
			b.Fatal("packet of the wanted layer not forwarded")
		}
	}
}

// BenchmarkEchoWriteRTP is the plain echo step as media.go does it: the
// packet parsed into a reused rtp.Packet and written to the m-line's
// mediakit.SendTrack, bound once as a PeerConnection's sender binds it
// (the interceptors, SRTP and the socket come after).
func BenchmarkEchoWriteRTP(b *testing.B) {
	track, err := mediakit.NewSendTrack(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "bench")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := track.Bind(&coretest.Binding{Name: "a", Source: 1, Discard: true}); err != nil {
		b.Fatal(err)
	}
	raw := benchEchoPacket(b)
	var pkt rtp.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := pkt.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
		if !writeRTP(track, &pkt) {
			b.Fatal("write failed")
		}
	}
}
