//go:build !linux

package homer

import (
	"errors"
	"net"
)

// datagramSender sends one packet per system call where sendmmsg(2) is
// missing.
type datagramSender struct{}

// send writes packet from of b; see the Linux version.
func (s *datagramSender) send(l *link, b *outBatch, from int) (n int, stop bool, err error) {
	if _, err := l.Write(b.packet(from)); err != nil {
		return 0, errors.Is(err, net.ErrClosed), err
	}
	return 1, false, nil
}
