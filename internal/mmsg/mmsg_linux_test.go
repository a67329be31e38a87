package mmsg

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSend: three datagrams in one call arrive as three datagrams, in
// order; a socket that refuses them reports the error, not a count.
func TestSend(t *testing.T) {
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	payloads := [][]byte{[]byte("one"), []byte("two!"), []byte("three")}
	hdrs := make([]unix.Mmsghdr, len(payloads))
	iovs := make([]unix.Iovec, len(payloads))
	for i, p := range payloads {
		iovs[i].Base = &p[0]
		iovs[i].SetLen(len(p))
		hdrs[i].Hdr.Iov = &iovs[i]
		hdrs[i].Hdr.SetIovlen(1)
	}
	raw, err := tx.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var errno unix.Errno
	if err := raw.Write(func(fd uintptr) bool { n, errno = Send(fd, hdrs); return true }); err != nil {
		t.Fatal(err)
	}
	if n != 3 || errno != 0 {
		t.Fatalf("sent %d (%v), want 3", n, errno)
	}
	if err := rx.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	for _, want := range payloads {
		k, err := rx.Read(buf)
		if err != nil || string(buf[:k]) != string(want) {
			t.Fatalf("got %q %v, want %q", buf[:k], err, want)
		}
	}
	if n, errno := Send(^uintptr(0), hdrs); n != 0 || errno != unix.EBADF {
		t.Fatalf("bad fd: %d %v, want EBADF", n, errno)
	}
	if n, errno := Send(0, nil); n != 0 || errno != 0 {
		t.Fatalf("nothing to send: %d %v", n, errno)
	}
}
