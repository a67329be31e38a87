package hep

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode checks that Decode never panics, that every rejection is one of
// the sentinel errors, and that whatever it accepts re-encodes and decodes to
// the same packet. Seeds live in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(mustHex(f, specExample))
	f.Add(mustHex(f, logExample))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			for _, s := range []error{ErrShortPacket, ErrBadMagic, ErrLengthMismatch, ErrTooLarge,
				ErrChunkShort, ErrChunkOverflow, ErrChunkSize} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("non-sentinel error %v", err)
		}
		if !p.SrcIP.IsValid() || !p.DstIP.IsValid() || p.SrcIP.Is4() != p.DstIP.Is4() {
			return // an IPv4 chunk beside an IPv6 one, or one missing: not encodable
		}
		out, err := AppendPacket(nil, p)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return // chunks we drop may have made room for a larger payload
			}
			t.Fatalf("re-encode: %v", err)
		}
		q, err := Decode(out)
		if err != nil {
			t.Fatalf("decode of re-encoding: %v", err)
		}
		if q.CorrelationID != p.CorrelationID || !bytes.Equal(q.Payload, p.Payload) ||
			q.SrcIP.Unmap() != p.SrcIP.Unmap() || q.DstIP.Unmap() != p.DstIP.Unmap() || q.DstPort != p.DstPort || q.TimeUsec != p.TimeUsec || q.NodeName != p.NodeName {
			t.Fatalf("re-encoding changed the packet\n%+v\n%+v", p, q)
		}
	})
}
