package unix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/msgclient"
)

// ErrNotSocket is returned when Path exists and is not a socket: the
// transport replaces stale sockets, never other files.
var ErrNotSocket = errors.New("unix transport: path exists and is not a socket")

// Transport serves one Unix socket. Create it with Start.
type Transport struct {
	cfg    Config
	ctx    context.Context //nolint:containedctx // the transport's lifetime, cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the SOCK_DGRAM read loop and reaper

	srv *msgclient.Server // SOCK_SEQPACKET
	pc  *net.UnixConn     // SOCK_DGRAM

	// mu guards peers and gone. Once ctx is done, under mu, no peer is
	// added to either: the reaper's last round ends them all.
	mu    sync.Mutex
	peers map[string]*msgclient.Client // SOCK_DGRAM clients by peer path
	gone  []*msgclient.Client          // departed SOCK_DGRAM peers, for reap
	wake  chan struct{}                // gone has a client (buffered 1)

	dropped atomic.Uint64 // messages every client dropped (Dropped)
}

// Start binds cfg.Path and serves it until Close or ctx ends.
func Start(ctx context.Context, cfg Config) (*Transport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := removeStale(cfg.Path); err != nil {
		return nil, err
	}
	t := &Transport{cfg: cfg, peers: map[string]*msgclient.Client{}}
	tctx, cancel := context.WithCancel(ctx)
	t.ctx, t.cancel = tctx, cancel
	if cfg.Type == SeqPacket {
		ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: cfg.Path, Net: "unixpacket"})
		if err != nil {
			t.cancel()
			return nil, fmt.Errorf("unix transport: %w", err)
		}
		t.srv = msgclient.Serve(tctx, ln, msgclient.ServeConfig{
			Client: t.clientConfig(), Path: cfg.Path, MaxConns: cfg.MaxConns, WriteTimeout: cfg.WriteTimeout,
			Refusals: cfg.Refusals, NewReader: t.packets,
		})
		return t, nil
	}
	t.pc, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: cfg.Path, Net: "unixgram"})
	if err != nil {
		t.cancel()
		return nil, fmt.Errorf("unix transport: %w", err)
	}
	t.wake = make(chan struct{}, 1)
	t.wg.Go(t.readDgrams)
	t.wg.Go(t.reap)
	// Unblock the blocking read once the transport ends.
	t.wg.Go(func() {
		<-t.ctx.Done()
		_ = t.pc.Close()
	})
	return t, nil
}

// packets frames a SOCK_SEQPACKET connection: one request per packet,
// read into a buffer one byte over MaxMessage so that a larger packet is
// seen as such (and answered 454 by the client).
func (t *Transport) packets(conn net.Conn) func() ([]byte, error) {
	buf := make([]byte, t.cfg.MaxMessage+1)
	return func() ([]byte, error) {
		n, err := conn.Read(buf)
		if err == nil && n == 0 { // the peer shut down
			err = io.EOF
		}
		return buf[:n], err
	}
}

// Dropped counts the outgoing messages the transport dropped since it
// started: a client's queue was full, its connection or peer socket was
// gone, or the client was closing.
func (t *Transport) Dropped() uint64 { return t.dropped.Load() }

// Addr is the bound socket path.
func (t *Transport) Addr() string { return t.cfg.Path }

// Close ends every connection (TransportGone for each), removes the
// socket file and waits for the transport's goroutines. Idempotent. The
// end of the ctx Start got ends the connections too; Close then only
// removes the file.
func (t *Transport) Close() {
	t.cancel()
	if t.srv != nil {
		t.srv.Close()
	}
	t.wg.Wait() // the reaper ended every datagram peer
	_ = os.Remove(t.cfg.Path)
}

// removeStale deletes a socket left at path by an earlier run.
func removeStale(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unix transport: %w", err)
	}
	if st.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%w: %s", ErrNotSocket, path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("unix transport: %w", err)
	}
	return nil
}

// clientConfig is the msgclient.Config of every client of the socket.
func (t *Transport) clientConfig() msgclient.Config {
	return msgclient.Config{
		Gateway: t.cfg.Gateway, Admin: t.cfg.Admin, Info: core.TransportInfo{Package: Package},
		Logger: t.cfg.Logger, Queue: t.cfg.Queue, Layout: t.cfg.JSON, MaxInFlight: t.cfg.MaxInFlight, MaxMessage: t.cfg.MaxMessage,
		Drops: &t.dropped, Emitter: t.cfg.Emitter, ServerName: t.cfg.ServerName,
	}
}

// newPeer starts the client of a SOCK_DGRAM peer and emits "connected".
func (t *Transport) newPeer(send func(context.Context, msgclient.Out) error) *msgclient.Client {
	cc := t.clientConfig()
	cc.Info = core.TransportInfo{Package: Package, ConnID: core.RandomID(), RemoteIP: t.cfg.Path,
		LocalIP: t.cfg.Path, Admin: t.cfg.Admin}
	cc.Logger = cc.Logger.With(slog.Uint64("conn_id", cc.Info.ConnID))
	cc.Send = send
	// Janus 1.1.2 names the socket type in a datagram peer's event only.
	cc.Connected = telemetry.TransportData{AdminAPI: telemetry.Ptr(t.cfg.Admin), Path: t.cfg.Path, Type: Dgram}
	return msgclient.New(t.ctx, cc)
}

// readDgrams reads one request per datagram; each bound sender path is a
// client, answered at that path.
func (t *Transport) readDgrams() {
	buf := make([]byte, t.cfg.MaxMessage+1)
	for {
		n, from, err := t.pc.ReadFromUnix(buf)
		if err != nil {
			if t.ctx.Err() == nil {
				t.cfg.Logger.Warn("unix transport: read", slog.Any("error", err))
			}
			return
		}
		if from == nil || from.Name == "" {
			t.cfg.Refusals.Refused(transports.ReasonUnbound)
			t.cfg.Logger.Debug("unix transport: datagram from an unbound socket ignored")
			continue
		}
		c := t.peer(from)
		if c == nil {
			continue
		}
		c.Handle(clone(buf[:n]), "") // larger than MaxMessage: the client answers 454
	}
}

// peer returns the client of a datagram sender, creating it (nil at
// MaxConns or once the transport ends, each datagram of a refused peer
// counted in Refusals).
func (t *Transport) peer(from *net.UnixAddr) *msgclient.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.peers[from.Name]; ok {
		return c
	}
	if t.ctx.Err() != nil {
		t.cfg.Refusals.Refused(transports.ReasonClosing)
		return nil
	}
	// A departed peer counts until the reaper takes it: it still has its
	// client and writer, and it bounds gone by MaxConns.
	if len(t.peers)+len(t.gone) >= t.cfg.MaxConns {
		t.cfg.Refusals.Refused(transports.ReasonLimit)
		t.cfg.Logger.Warn("unix transport: datagram peer refused", slog.Int("max_conns", t.cfg.MaxConns))
		return nil
	}
	addr := *from
	var c *msgclient.Client
	send := func(_ context.Context, o msgclient.Out) error {
		_ = t.pc.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
		_, err := t.pc.WriteToUnix(o.Msg, &addr)
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
			t.unpeer(addr.Name, c) // the peer's socket is gone
		}
		return err
	}
	c = t.newPeer(send)
	t.peers[from.Name] = c
	return c
}

// unpeer forgets a datagram peer whose socket went away and hands its
// client to the reaper (Close cannot run on the client's own writer).
// gone needs no bound of its own: a queued peer still counts against
// MaxConns (peer), so peers and gone together stay within it.
func (t *Transport) unpeer(name string, c *msgclient.Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// Once the transport ends, the peer stays in the map, which the
	// reaper's last round takes.
	if t.peers[name] != c || t.ctx.Err() != nil {
		return
	}
	delete(t.peers, name)
	t.gone = append(t.gone, c)
	select {
	case t.wake <- struct{}{}:
	default: // a wake-up is pending
	}
}

// reap closes the clients of departed datagram peers (TransportGone, the
// "disconnected" event) until the transport ends, then those still queued
// and every peer left.
func (t *Transport) reap() {
	for {
		select {
		case <-t.wake:
		case <-t.ctx.Done():
		}
		// Under mu: once ctx is done, neither peer nor unpeer adds a client
		// after this round, so it is the last. The clients close outside
		// mu, since a closing client's writer may unpeer.
		t.mu.Lock()
		left, last := t.gone, t.ctx.Err() != nil
		t.gone = nil
		if last {
			for _, c := range t.peers {
				left = append(left, c)
			}
			clear(t.peers)
		}
		t.mu.Unlock()
		for _, c := range left {
			c.Close()
		}
		if last {
			return
		}
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
