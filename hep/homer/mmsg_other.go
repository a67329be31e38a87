//go:build !linux

package homer

import (
	"errors"
	"net"
	"time"
)

// udpWait is how long a write waits for socket buffer room.
const udpWait = 20 * time.Millisecond

// datagramSender sends one packet per system call where sendmmsg(2) is
// missing.
type datagramSender struct{}

// send writes packet from of b; see the Linux version.
func (s *datagramSender) send(l *link, b *outBatch, from int) (n int, stop bool, err error) {
	// UDP never waits long for socket buffer room (see writeDatagrams).
	if err := l.SetWriteDeadline(time.Now().Add(udpWait)); err != nil {
		return 0, true, err
	}
	if _, err := l.Write(b.packet(from)); err != nil {
		return 0, errors.Is(err, net.ErrClosed), err
	}
	return 1, false, nil
}
