package webrtc

import (
	"bytes"
	"testing"
	"time"
)

// FuzzNACKHistory drives one stream's history with arbitrary sends
// (sequence jumps, time steps, sizes) and NACKs: it never panics, the ring
// stays within its bounds, and whatever is resent is exactly the packet
// that was asked for, as it was sent.
func FuzzNACKHistory(f *testing.F) {
	f.Add([]byte{1, 1, 1, 1, 0x80, 2, 1, 0x81})
	f.Add(bytes.Repeat([]byte{1, 0, 7}, 400))
	f.Add([]byte{200, 255, 3, 0x90, 0x40, 9, 0xff, 0x85})
	f.Fuzz(func(t *testing.T, ops []byte) {
		r := newResponderRig(t, nackVideo, 50*time.Millisecond)
		h := r.resp.streams[nackVideo.SSRC]
		sent := map[uint16]int{} // seq → payload size
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], ops[i+1]
			switch op & 0x80 {
			case 0: // send: jump the sequence by op%8, size arg
				r.seq += uint16(op % 8)
				sent[r.sendOne(int(arg))] = int(arg)
				r.clock.add(time.Duration(op>>3) * time.Millisecond)
			default: // NACK the packet arg back from the newest
				seq := r.seq - 1 - uint16(arg)
				before := r.net.count()
				r.nack(seq)
				if got := r.net.count() - before; got > 1 {
					t.Fatalf("one NACKed number resent %d packets", got)
				} else if got == 1 {
					p := r.net.last()
					size, ok := sent[seq]
					if !ok || p.SequenceNumber != seq || !bytes.Equal(p.Payload, bytes.Repeat([]byte{byte(seq)}, size)) {
						t.Fatalf("NACK for %d resent seq %d with %d bytes (sent: %v)", seq, p.SequenceNumber, len(p.Payload), ok)
					}
				}
				r.clock.add(nackResendGap)
			}
			h.mu.Lock()
			n, slots, spare := h.n, len(h.slots), h.free.Len()
			h.mu.Unlock()
			if n > slots || slots > nackMaxPackets || spare > slots {
				t.Fatalf("ring: %d packets, %d slots, %d spare buffers", n, slots, spare)
			}
		}
	})
}
