package sharedport

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// socketBuffers reads back the kernel buffers of udp, in bytes: what
// SetReadBuffer and SetWriteBuffer achieved, which the kernel caps at
// net.core.rmem_max and net.core.wmem_max without an error. ok is false
// when the platform cannot tell.
func socketBuffers(udp *net.UDPConn) (read, write int, ok bool, err error) {
	rc, err := udp.SyscallConn()
	if err != nil {
		return 0, 0, false, fmt.Errorf("socket buffers: %w", err)
	}
	var rerr, werr error
	cerr := rc.Control(func(fd uintptr) {
		read, rerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		write, werr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	if err := errors.Join(cerr, rerr, werr); err != nil {
		return 0, 0, false, fmt.Errorf("socket buffers: %w", err)
	}
	// Linux doubles the value set, for its bookkeeping (socket(7)), and
	// reports the double.
	return read / 2, write / 2, true, nil
}
