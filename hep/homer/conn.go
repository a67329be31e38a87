package homer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// errBackoff: a TCP/TLS reconnect is not due yet; the packet is dropped.
var errBackoff = errors.New("homer: reconnect backoff")

// link is one connection; dead is set by its reader when the peer closes.
type link struct {
	net.Conn
	raw   syscall.RawConn // UDP: for sendmmsg
	local netip.AddrPort  // the local end, read once
	dead  atomic.Bool
}

// writer sends batches of encoded HEP packets over UDP, TCP or TLS. For TCP and TLS it
// reconnects with a doubling backoff (MinBackoff..MaxBackoff); while a
// reconnect is not due, writes fail fast so Export never waits for it. It is
// used by one goroutine at a time (the sink's mutex).
type writer struct {
	network, addr string
	cfg           *SinkConfig
	stats         *counters
	log           *slog.Logger

	l        *link
	nextDial time.Time
	backoff  time.Duration
	readers  sync.WaitGroup
	dgrams   datagramSender // UDP batches
}

func newWriter(network, addr string, cfg *SinkConfig, st *counters) *writer {
	return &writer{network: network, addr: addr, cfg: cfg, stats: st,
		log: cfg.Logger.With("sink", "hep", "url", cfg.URL)}
}

// writeBatch writes the packets of b within ctx, counting each one as
// written (Packets, Bytes) or dropped, and returns how many were dropped and
// the last error.
func (w *writer) writeBatch(ctx context.Context, b *outBatch) (int, error) {
	if w.network == "udp" {
		return w.writeDatagrams(ctx, b)
	}
	return w.writeStream(ctx, b)
}

const (
	// udpSendBuffer is the UDP socket's send buffer asked for.
	udpSendBuffer = 1 << 20
	// streamChunk is the part of a TCP/TLS batch each WriteTimeout covers.
	streamChunk = 64 << 10
)

// written counts packets [from, to) of b as written.
func (w *writer) written(b *outBatch, from, to int) {
	if to > from {
		w.stats.packets.Add(uint64(to - from))
		w.stats.bytes.Add(uint64(b.ends[to-1] - b.start(from)))
	}
}

// writeDatagrams sends b over UDP, one datagram per packet, in sendmmsg(2)
// calls that never wait: when the socket buffer is full the rest of the
// batch is dropped (Homer's HEP over UDP is lossy anyway, and Export must
// not stall the sink's queue behind a slow receiver). A packet the kernel
// refuses (e.g. the receiver's port unreachable) is dropped, the rest sent.
func (w *writer) writeDatagrams(ctx context.Context, b *outBatch) (int, error) {
	var lastErr error
	dropped := 0
	for i := 0; i < b.len(); {
		if err := w.ensure(ctx); err != nil {
			w.stats.dropped.Add(uint64(b.len() - i))
			return dropped + b.len() - i, err
		}
		n, stop, err := w.dgrams.send(w.l, b, i)
		if n > 0 {
			w.stats.writes.Add(1)
			w.written(b, i, i+n)
			i += n
			continue
		}
		w.stats.writeErrors.Add(1)
		lastErr = fmt.Errorf("homer: write: %w", err)
		k := 1
		if stop {
			k = b.len() - i
		}
		w.stats.dropped.Add(uint64(k))
		dropped += k
		i += k
	}
	return dropped, lastErr
}

// writeStream writes b over TCP or TLS in one write. When that fails, the
// packets not completely written are written once more on a fresh
// connection if ctx allows; what still fails is dropped.
func (w *writer) writeStream(ctx context.Context, b *outBatch) (int, error) {
	from := 0 // the first packet not written yet
	var err error
	for attempt := 0; attempt < 2 && from < b.len(); attempt++ {
		if attempt > 0 && (errors.Is(err, errBackoff) || ctx.Err() != nil) {
			break
		}
		var n int
		off := b.start(from)
		n, err = w.writeOnce(ctx, b.buf[off:])
		if n > 0 {
			w.stats.writes.Add(1)
		}
		done := from
		for done < b.len() && b.ends[done] <= off+n {
			done++
		}
		w.written(b, from, done)
		from = done
	}
	if k := b.len() - from; k > 0 {
		w.stats.dropped.Add(uint64(k))
		return k, err
	}
	return 0, nil
}

// writeOnce writes p on the current connection (connecting first when
// needed) within ctx and WriteTimeout, and returns how many bytes were
// written. A failed write closes the connection: a partial write corrupts
// the stream's framing.
func (w *writer) writeOnce(ctx context.Context, p []byte) (int, error) {
	if err := w.ensure(ctx); err != nil {
		return 0, err
	}
	// WriteTimeout bounds each 64 KiB of the batch (it bounded each
	// packet when packets were written one by one), so a slow link drains
	// a large batch; ctx's deadline still bounds the whole.
	deadline := time.Now().Add(w.cfg.WriteTimeout * time.Duration(1+len(p)/streamChunk))
	ctxDeadline := false // the deadline is ctx's, not WriteTimeout's
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxDeadline = d, true
	}
	l := w.l
	if err := l.SetWriteDeadline(deadline); err != nil {
		w.close()
		return 0, fmt.Errorf("homer: set deadline: %w", err)
	}
	// Cancelling ctx interrupts a blocked write at once.
	stop := context.AfterFunc(ctx, func() { _ = l.SetWriteDeadline(time.Unix(1, 0)) })
	n, err := l.Write(p)
	stop()
	if err != nil {
		w.stats.writeErrors.Add(1)
		if errors.Is(err, os.ErrDeadlineExceeded) && !ctxDeadline && ctx.Err() == nil {
			w.stats.writeTimeouts.Add(1)
		}
		w.stats.lost.Add(1)
		w.log.Warn("HEP write failed, reconnecting", "err", err)
		w.close()
		return n, fmt.Errorf("homer: write: %w", err)
	}
	return n, nil
}

// ensure replaces a connection the peer closed and connects when there is
// none (unless a reconnect is not yet due).
func (w *writer) ensure(ctx context.Context) error {
	if w.l != nil && w.l.dead.Load() {
		w.log.Warn("HEP connection closed by peer")
		w.stats.lost.Add(1)
		w.close()
	}
	if w.l == nil {
		return w.dial(ctx)
	}
	return nil
}

// localAddr is the local end of the current connection (the address
// heplify-server receives from), or the zero value without one.
func (w *writer) localAddr() netip.AddrPort {
	if w.l == nil {
		return netip.AddrPort{}
	}
	return w.l.local
}

// localOf is c's local address, or the zero value.
func localOf(c net.Conn) netip.AddrPort {
	a, err := netip.ParseAddrPort(c.LocalAddr().String())
	if err != nil {
		return netip.AddrPort{}
	}
	return unmap(a)
}

// dial connects unless a reconnect is not yet due.
func (w *writer) dial(ctx context.Context) error {
	now := time.Now()
	if now.Before(w.nextDial) {
		return errBackoff
	}
	dctx, cancel := context.WithTimeout(ctx, w.cfg.DialTimeout)
	defer cancel()
	var c net.Conn
	var err error
	switch w.network {
	case "tls":
		d := tls.Dialer{Config: w.cfg.TLSConfig}
		c, err = d.DialContext(dctx, "tcp", w.addr)
	default:
		var d net.Dialer
		c, err = d.DialContext(dctx, w.network, w.addr)
	}
	if err != nil {
		w.stats.dialErrors.Add(1)
		if w.backoff == 0 {
			w.backoff = w.cfg.MinBackoff
		} else {
			w.backoff = min(2*w.backoff, w.cfg.MaxBackoff)
		}
		w.nextDial = time.Now().Add(w.backoff)
		w.log.Warn("HEP connect failed", "err", err, "retry_in", w.backoff)
		return fmt.Errorf("homer: connect %s: %w", w.addr, err)
	}
	w.backoff, w.nextDial = 0, time.Time{}
	w.stats.connects.Add(1)
	w.l = &link{Conn: c, local: localOf(c)}
	if uc, ok := c.(*net.UDPConn); ok {
		// A batch goes to the kernel at once and is never waited for: room
		// for a few batches (the kernel caps it at wmem_max), so that a
		// healthy link whose card drains slower than sendmmsg fills does
		// not drop the tail of a batch.
		_ = uc.SetWriteBuffer(udpSendBuffer)
	}
	if sc, ok := c.(syscall.Conn); ok && w.network == "udp" {
		if w.l.raw, err = sc.SyscallConn(); err != nil {
			_ = c.Close()
			w.l = nil
			return fmt.Errorf("homer: connect %s: %w", w.addr, err)
		}
	}
	if w.network != "udp" {
		// heplify-server never writes back: a read returning means the
		// peer closed (or reset) the connection.
		l := w.l
		w.readers.Add(1)
		go func() {
			defer w.readers.Done()
			_, _ = io.Copy(io.Discard, l)
			l.dead.Store(true)
		}()
		w.log.Info("HEP connected", "local", c.LocalAddr().String())
	}
	return nil
}

// close drops the current connection.
func (w *writer) close() {
	if w.l != nil {
		_ = w.l.Close()
		w.l = nil
	}
}

// shutdown closes the connection and waits for its reader.
func (w *writer) shutdown() {
	w.close()
	w.readers.Wait()
}
