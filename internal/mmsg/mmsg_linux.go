package mmsg

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Send sends the datagrams hdrs describes on the socket fd in one
// sendmmsg(2) call with MSG_DONTWAIT (retried on EINTR) and returns how
// many the kernel took, or why it took none: EAGAIN when the socket
// buffer is full, else the error of the first datagram. It does not
// allocate; callers make it from a syscall.RawConn's Write.
func Send(fd uintptr, hdrs []unix.Mmsghdr) (int, unix.Errno) {
	if len(hdrs) == 0 {
		return 0, 0
	}
	for {
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&hdrs[0])), uintptr(len(hdrs)),
			unix.MSG_DONTWAIT, 0, 0)
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return 0, e
		case r == 0:
			return 0, unix.EAGAIN
		}
		return int(r), 0
	}
}
