package homer

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/argusrtc/argus/internal/mmsg"
)

// datagramSender sends a batch's packets on a connected UDP socket with
// sendmmsg(2), one datagram each, without waiting for socket buffer room.
// Its vectors are built once and reused; only the sink's goroutine uses it.
type datagramSender struct {
	hdrs []unix.Mmsghdr
	iovs []unix.Iovec

	// One call's arguments and results, and the function that makes it,
	// built once so that RawConn.Write gets the same func value every time.
	n     int
	res   int
	errno unix.Errno
	fn    func(fd uintptr) bool
}

// send sends packets from index from on (at most maxBatchPackets) and
// returns how many the kernel took. When it took none, err says why and
// stop tells that the rest of the batch cannot be sent now either (socket
// buffer full, socket closed); else only the first packet was refused.
func (s *datagramSender) send(l *link, b *outBatch, from int) (n int, stop bool, err error) {
	if s.fn == nil {
		s.hdrs = make([]unix.Mmsghdr, maxBatchPackets)
		s.iovs = make([]unix.Iovec, maxBatchPackets)
		for i := range s.hdrs {
			s.hdrs[i].Hdr.Iov = &s.iovs[i]
			s.hdrs[i].Hdr.SetIovlen(1)
		}
		s.fn = s.call
	}
	s.n = min(b.len()-from, maxBatchPackets)
	for i := range s.n {
		p := b.packet(from + i)
		s.iovs[i].Base = &p[0] // a HEP packet is never empty
		s.iovs[i].SetLen(len(p))
	}
	s.res, s.errno = 0, 0
	if err := l.raw.Write(s.fn); err != nil {
		return 0, true, err
	}
	switch {
	case s.res > 0:
		return s.res, false, nil
	case errors.Is(s.errno, unix.EAGAIN):
		return 0, true, s.errno
	default:
		return 0, false, s.errno
	}
}

func (s *datagramSender) call(fd uintptr) bool {
	s.res, s.errno = mmsg.Send(fd, s.hdrs[:s.n]) // EAGAIN included: never wait for the socket
	return true
}
