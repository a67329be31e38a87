package coretest_test

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/core/coretest"
)

func TestVP8Packet(t *testing.T) {
	for _, desc := range [][]byte{nil, {0x10}, {0x90, 0x20, 0x00}} {
		var p rtp.Packet
		if err := p.Unmarshal(coretest.VP8Packet(t, desc...)); err != nil {
			t.Fatal(err)
		}
		if p.PayloadType != 96 || p.SequenceNumber != 1 || p.SSRC != 42 || string(p.GetExtension(1)) != "0" {
			t.Errorf("desc %x: header %+v, mid %q, want RTPPacket's", desc, p.Header, p.GetExtension(1))
		}
		want := make([]byte, 1000)
		copy(want, desc)
		if !bytes.Equal(p.Payload, want) {
			t.Errorf("desc %x: payload of %d bytes, want %x then zeros (1000 bytes)", desc, len(p.Payload), desc)
		}
	}
}
