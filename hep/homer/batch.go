package homer

import "github.com/argusrtc/argus/hep"

// Packets are written in batches: Export encodes the packets of its events
// back to back into one buffer and hands them to the writer together, at
// most maxBatchPackets or about maxBatchBytes at a time. Over UDP a batch
// is one sendmmsg(2) call (still one HEP packet per datagram, as Homer
// expects); over TCP and TLS one write of the whole buffer. A sink
// exporting a second of media reports thus makes a few system calls instead
// of one per packet.
const (
	// maxBatchPackets bounds a batch (and the sendmmsg vector).
	maxBatchPackets = 64
	// maxBatchBytes: a batch is written once its packets reach this size
	// (a packet is at most hep.MaxPacketLen, so the buffer stays below 320 KiB).
	maxBatchBytes = 256 << 10
)

// outBatch is the encoded packets waiting to be written. Owned by the
// holder of the sink's mutex; its buffers are reused.
type outBatch struct {
	buf  []byte // the packets, back to back
	ends []int  // end offset of each packet in buf
}

// add encodes p at the end of the batch; on error the batch is unchanged.
func (b *outBatch) add(p *hep.Packet) error {
	nb, err := hep.AppendPacket(b.buf, p)
	if err != nil {
		return err
	}
	b.buf = nb
	b.ends = append(b.ends, len(nb))
	return nil
}

// full reports that the batch should be written before the next packet.
func (b *outBatch) full() bool {
	return len(b.ends) >= maxBatchPackets || len(b.buf) >= maxBatchBytes
}

// start is the offset of packet i in buf.
func (b *outBatch) start(i int) int {
	if i == 0 {
		return 0
	}
	return b.ends[i-1]
}

// packet returns packet i.
func (b *outBatch) packet(i int) []byte { return b.buf[b.start(i):b.ends[i]] }

func (b *outBatch) len() int { return len(b.ends) }

func (b *outBatch) reset() {
	b.buf = b.buf[:0]
	b.ends = b.ends[:0]
}
