package unix

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/argusrtc/argus/transports/internal/msgclient"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// ErrNotSocket is returned when Path exists and is not a socket: the
// transport replaces stale sockets, never other files.
var ErrNotSocket = errors.New("unix transport: path exists and is not a socket")

// Transport serves one Unix socket. Create it with Start.
type Transport struct {
	cfg    Config
	ctx    context.Context //nolint:containedctx // the transport's lifetime, cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept/read loop and every connection

	ln *net.UnixListener // SOCK_SEQPACKET
	pc *net.UnixConn     // SOCK_DGRAM

	mu    sync.Mutex
	conns map[*net.UnixConn]struct{}
	peers map[string]*msgclient.Client // SOCK_DGRAM clients by peer path
	gone  chan *msgclient.Client       // departed SOCK_DGRAM peers, for reap

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
	t := &Transport{cfg: cfg, conns: map[*net.UnixConn]struct{}{}, peers: map[string]*msgclient.Client{}}
	t.ctx, t.cancel = context.WithCancel(ctx)
	if cfg.Type == Dgram {
		t.pc, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: cfg.Path, Net: "unixgram"})
	} else {
		t.ln, err = net.ListenUnix("unixpacket", &net.UnixAddr{Name: cfg.Path, Net: "unixpacket"})
	}
	if err != nil {
		t.cancel()
		return nil, fmt.Errorf("unix transport: %w", err)
	}
	if t.pc != nil {
		t.gone = make(chan *msgclient.Client, cfg.MaxConns)
		t.wg.Go(t.readDgrams)
		t.wg.Go(t.reap)
	} else {
		t.wg.Go(t.acceptLoop)
	}
	// Unblock the blocking accept/read once the transport ends.
	t.wg.Go(func() {
		<-t.ctx.Done()
		if t.ln != nil {
			_ = t.ln.Close()
		}
		if t.pc != nil {
			_ = t.pc.Close()
		}
		t.mu.Lock()
		for c := range t.conns {
			_ = c.Close()
		}
		t.mu.Unlock()
	})
	return t, nil
}

// Dropped counts the outgoing messages the transport dropped since it
// started: a client's queue was full, its connection or peer socket was
// gone, or the client was closing.
func (t *Transport) Dropped() uint64 { return t.dropped.Load() }

// Addr is the bound socket path.
func (t *Transport) Addr() string { return t.cfg.Path }

// Close ends every connection (TransportGone for each), removes the
// socket file and waits for the transport's goroutines. Idempotent.
func (t *Transport) Close() {
	t.cancel()
	t.wg.Wait()
	t.mu.Lock()
	peers := t.peers
	t.peers = map[string]*msgclient.Client{}
	t.mu.Unlock()
	for _, c := range peers {
		t.closeClient(c)
	}
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

func (t *Transport) info() core.TransportInfo {
	return core.TransportInfo{Package: Package, ConnID: core.RandomID(), RemoteIP: t.cfg.Path,
		LocalIP: t.cfg.Path, Admin: t.cfg.Admin}
}

func (t *Transport) newClient(info core.TransportInfo, send func(context.Context, msgclient.Out) error, onFull func()) *msgclient.Client {
	wire.EmitTransport(t.cfg.Emitter, t.cfg.ServerName, info,
		telemetry.TransportData{Event: "connected", AdminAPI: telemetry.Ptr(t.cfg.Admin), Path: t.cfg.Path})
	return msgclient.New(t.ctx, msgclient.Config{
		Gateway: t.cfg.Gateway, Admin: t.cfg.Admin, Info: info,
		Logger: t.cfg.Logger.With(slog.Uint64("conn_id", info.ConnID)),
		Queue:  t.cfg.Queue, MaxInFlight: t.cfg.MaxInFlight, Send: send, OnFull: onFull,
		Drops: &t.dropped,
	})
}

func (t *Transport) closeClient(c *msgclient.Client) {
	c.Close()
	wire.EmitTransport(t.cfg.Emitter, t.cfg.ServerName, c.Info(), telemetry.TransportData{Event: "disconnected"})
}

// acceptLoop accepts SOCK_SEQPACKET connections until the listener closes.
func (t *Transport) acceptLoop() {
	for {
		uc, err := t.ln.AcceptUnix()
		if err != nil {
			if t.ctx.Err() == nil {
				t.cfg.Logger.Warn("unix transport: accept", slog.Any("error", err))
			}
			return
		}
		if !t.track(uc) {
			_ = uc.Close()
			continue
		}
		t.wg.Go(func() { t.serveConn(uc) })
	}
}

// track registers a connection; false when closing or at MaxConns.
func (t *Transport) track(uc *net.UnixConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil || len(t.conns) >= t.cfg.MaxConns {
		t.cfg.Logger.Warn("unix transport: connection refused", slog.Int("max_conns", t.cfg.MaxConns))
		return false
	}
	t.conns[uc] = struct{}{}
	return true
}

// serveConn reads one request per packet until the peer closes.
func (t *Transport) serveConn(uc *net.UnixConn) {
	defer func() {
		t.mu.Lock()
		delete(t.conns, uc)
		t.mu.Unlock()
	}()
	send := func(_ context.Context, o msgclient.Out) error {
		_ = uc.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
		_, err := uc.Write(o.Msg)
		if err != nil {
			_ = uc.Close()
		}
		return err
	}
	c := t.newClient(t.info(), send, func() { _ = uc.Close() })
	buf := make([]byte, t.cfg.MaxMessage+1)
	for {
		n, err := uc.Read(buf)
		if err != nil || n == 0 { // n == 0: the peer shut down
			break
		}
		if n > t.cfg.MaxMessage {
			_, _ = uc.Write(wire.ErrorJSON(wire.CodeInvalidJSON, "Request payload too large"))
			continue
		}
		c.Handle(clone(buf[:n]), "")
	}
	_ = uc.Close()
	t.closeClient(c)
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
			t.cfg.Logger.Debug("unix transport: datagram from an unbound socket ignored")
			continue
		}
		c := t.peer(from)
		if c == nil {
			continue
		}
		if n > t.cfg.MaxMessage {
			_, _ = t.pc.WriteToUnix(wire.ErrorJSON(wire.CodeInvalidJSON, "Request payload too large"), from)
			continue
		}
		c.Handle(clone(buf[:n]), "")
	}
}

// peer returns the client of a datagram sender, creating it (nil at MaxConns).
func (t *Transport) peer(from *net.UnixAddr) *msgclient.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.peers[from.Name]; ok {
		return c
	}
	if len(t.peers) >= t.cfg.MaxConns {
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
	c = t.newClient(t.info(), send, nil)
	t.peers[from.Name] = c
	return c
}

// unpeer forgets a datagram peer whose socket went away and hands its
// client to the reaper (Close cannot run on the client's own writer).
func (t *Transport) unpeer(name string, c *msgclient.Client) {
	t.mu.Lock()
	live := t.peers[name] == c
	if live {
		delete(t.peers, name)
	}
	t.mu.Unlock()
	if !live {
		return
	}
	select {
	case t.gone <- c:
	default: // cannot happen: at most MaxConns peers exist; Close ends the rest
	}
}

// reap closes the clients of departed datagram peers (TransportGone, the
// "disconnected" event) until the transport ends, then those still queued.
func (t *Transport) reap() {
	for {
		select {
		case c := <-t.gone:
			t.closeClient(c)
		case <-t.ctx.Done():
			for {
				select {
				case c := <-t.gone:
					t.closeClient(c)
				default:
					return
				}
			}
		}
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
