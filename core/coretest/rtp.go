package coretest

import (
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// RTPPacket is a marshalled RTP packet as a browser sends it: version 2,
// payload type 96, sequence number 1, timestamp 3000, SSRC 42, the
// payload, and mid "0" as header extension 1. It is the input of the
// plugins' per-packet benchmarks.
func RTPPacket(tb testing.TB, payload []byte) []byte {
	tb.Helper()
	p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 3000, SSRC: 42}, Payload: payload}
	if err := p.SetExtension(1, []byte("0")); err != nil {
		tb.Fatal(err)
	}
	raw, err := p.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// VP8Packet is an RTPPacket with a 1000-byte VP8 payload that starts with
// the payload descriptor desc (the rest is zero).
func VP8Packet(tb testing.TB, desc ...byte) []byte {
	tb.Helper()
	payload := make([]byte, 1000)
	copy(payload, desc)
	return RTPPacket(tb, payload)
}

// NextPacket is a read loop's step for a benchmark that replays raw (an
// RTPPacket) as a stream: it advances raw's sequence number and unmarshals
// raw into the reused pkt. It is small enough to be inlined, so the
// benchmark measures what the plugin's loop does.
func NextPacket(raw []byte, pkt *rtp.Packet) error {
	binary.BigEndian.PutUint16(raw[2:4], binary.BigEndian.Uint16(raw[2:4])+1)
	return pkt.Unmarshal(raw)
}

// VP8Track is an unbound local VP8 track (a pion TrackLocalStaticRTP):
// a write to it costs pion's parse and fan-out, before the interceptors
// and the network.
func VP8Track(tb testing.TB) *pion.TrackLocalStaticRTP {
	tb.Helper()
	tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "bench")
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}
