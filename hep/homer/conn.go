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
	"time"
)

// errBackoff: a TCP/TLS reconnect is not due yet; the packet is dropped.
var errBackoff = errors.New("homer: reconnect backoff")

// link is one connection; dead is set by its reader when the peer closes.
type link struct {
	net.Conn
	dead atomic.Bool
}

// writer sends encoded HEP packets over UDP, TCP or TLS. For TCP and TLS it
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
}

func newWriter(network, addr string, cfg *SinkConfig, st *counters) *writer {
	return &writer{network: network, addr: addr, cfg: cfg, stats: st,
		log: cfg.Logger.With("sink", "hep", "url", cfg.URL)}
}

// write sends one packet within ctx. A stream write that fails is retried
// once on a fresh connection when ctx allows.
func (w *writer) write(ctx context.Context, pkt []byte) error {
	err := w.writeOnce(ctx, pkt)
	if err == nil || w.network == "udp" || errors.Is(err, errBackoff) || ctx.Err() != nil {
		return err
	}
	return w.writeOnce(ctx, pkt)
}

func (w *writer) writeOnce(ctx context.Context, pkt []byte) error {
	if err := w.ensure(ctx); err != nil {
		return err
	}
	deadline := time.Now().Add(w.cfg.WriteTimeout)
	ctxDeadline := false // the deadline is ctx's, not WriteTimeout's
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxDeadline = d, true
	}
	l := w.l
	if err := l.SetWriteDeadline(deadline); err != nil {
		w.close()
		return fmt.Errorf("homer: set deadline: %w", err)
	}
	// Cancelling ctx interrupts a blocked write at once.
	stop := context.AfterFunc(ctx, func() { _ = l.SetWriteDeadline(time.Unix(1, 0)) })
	_, err := l.Write(pkt)
	stop()
	if err != nil {
		w.stats.writeErrors.Add(1)
		if errors.Is(err, os.ErrDeadlineExceeded) && !ctxDeadline && ctx.Err() == nil {
			w.stats.writeTimeouts.Add(1)
		}
		if w.network != "udp" {
			w.stats.lost.Add(1)
			// A partial write corrupts the stream framing: start over.
			w.log.Warn("HEP write failed, reconnecting", "err", err)
			w.close()
		}
		return fmt.Errorf("homer: write: %w", err)
	}
	return nil
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
	a, err := netip.ParseAddrPort(w.l.LocalAddr().String())
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
	w.l = &link{Conn: c}
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
