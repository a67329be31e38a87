// Package heptest receives HEP for tests as heplify-server does: UDP
// datagrams, and TCP or TLS streams split into packets by each packet's
// own header. Every packet is decoded with hep.Decode and handed to the
// test's callback.
package heptest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/argusrtc/argus/hep"
)

// ServeUDP reads datagrams from pc until pc is closed and hands each,
// decoded, to deliver. At the end of the test pc is closed and the reader
// waited for.
func ServeUDP(t testing.TB, pc net.PacketConn, deliver func(*hep.Packet, error)) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			deliver(hep.Decode(buf[:n]))
		}
	}()
	t.Cleanup(func() { _ = pc.Close(); <-done })
}

// ReadStream splits a stream into packets as heplify-server's TCP reader
// does (the 6-byte header: "HEP3" and the big-endian total length, then
// the rest of the packet) and hands each, decoded, to deliver. It returns
// nil when the stream ends or fails, and an error (hep.ErrBadMagic,
// hep.ErrLengthMismatch) for a header that is not HEP's.
func ReadStream(r io.Reader, deliver func(*hep.Packet, error)) error {
	hdr := make([]byte, hep.HeaderLen)
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return nil //nolint:nilerr // the stream's end or failure ends its packets, as documented
		}
		total := int(binary.BigEndian.Uint16(hdr[4:6]))
		switch {
		case string(hdr[:4]) != hep.Magic:
			return fmt.Errorf("%w: stream header %q", hep.ErrBadMagic, hdr[:4])
		case total < hep.HeaderLen || total > hep.MaxPacketLen:
			return fmt.Errorf("%w: stream header gives %d bytes", hep.ErrLengthMismatch, total)
		}
		b := make([]byte, total)
		copy(b, hdr)
		if _, err := io.ReadFull(r, b[hep.HeaderLen:]); err != nil {
			return nil //nolint:nilerr // a packet cut short by the stream's end is not one
		}
		deliver(hep.Decode(b))
	}
}
