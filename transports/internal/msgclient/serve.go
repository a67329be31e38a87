package msgclient

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Defaults of Serve.
const (
	DefaultMaxConns     = 256 // connections of one listener at once
	DefaultWriteTimeout = 10 * time.Second
)

// ServeConfig configures Serve.
type ServeConfig struct {
	// Client is the Config of every connection's Client; Serve sets its
	// Info (Package and Admin kept), Send, OnFull and Connected, and its
	// Drops when nil.
	Client Config
	// Path is a Unix socket's path: the connections' address and the
	// "connected" event's path. Empty: the connections' IP addresses.
	Path string

	MaxConns     int           // connections at once; one more is closed at accept; DefaultMaxConns
	WriteTimeout time.Duration // bounds one Write; DefaultWriteTimeout
	// Refusals counts the connections closed at accept: over MaxConns
	// (transports.ReasonLimit) or while closing (ReasonClosing). Nil
	// counts nothing.
	Refusals *transports.RefusalCounter

	// NewReader returns the framing of one connection: each call of the
	// function it returns reads the next request (a slice Serve copies
	// before the next call); an error ends the connection.
	NewReader func(conn net.Conn) func() ([]byte, error)
	// Write sends one message on conn (a newline after it, for a
	// line-delimited protocol); nil writes msg as it is. An error closes
	// the connection.
	Write func(conn net.Conn, msg []byte) error
}

// Server serves the connections of one stream listener, each a Client
// whose requests NewReader frames: the accept loop, the MaxConns bound,
// the type 128 "connected" and "disconnected" events, and the end of every
// connection on Close. It is a transports.Running that counts its drops.
type Server struct {
	cfg    ServeConfig
	ln     net.Listener
	ctx    context.Context //nolint:containedctx // the server's lifetime, cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop, the closer and every connection

	mu    sync.Mutex
	conns map[net.Conn]struct{}

	dropped atomic.Uint64 // when cfg.Client.Drops is nil
}

// Serve accepts the connections of ln, which it owns, until Close or ctx
// ends.
func Serve(ctx context.Context, ln net.Listener, cfg ServeConfig) *Server {
	wire.OrDefault(&cfg.MaxConns, DefaultMaxConns)
	wire.OrDefault(&cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.Client.Logger == nil {
		cfg.Client.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, ln: ln, conns: map[net.Conn]struct{}{}}
	if s.cfg.Client.Drops == nil {
		s.cfg.Client.Drops = &s.dropped
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Go(s.acceptLoop)
	// Unblock Accept and every Read once the server ends.
	s.wg.Go(func() {
		<-s.ctx.Done()
		_ = ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
	})
	return s
}

// Addr is the listener's address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Dropped counts the outgoing messages the connections dropped (see
// Client.Dropped), or Client.Drops when the config set it.
func (s *Server) Dropped() uint64 { return s.cfg.Client.Drops.Load() }

// Close stops accepting, ends every connection (TransportGone and
// "disconnected" for each) and waits for them. Idempotent.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

func (s *Server) acceptLoop() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() == nil {
				s.cfg.Client.Logger.Warn("transport: accept", slog.Any("error", err))
			}
			return
		}
		if !s.track(conn) {
			_ = conn.Close()
			continue
		}
		s.wg.Go(func() { s.serveConn(conn) })
	}
}

// track registers a connection; false when closing or at MaxConns, the
// refusal counted before the caller closes conn (so a peer that sees the
// close finds it counted).
func (s *Server) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		s.cfg.Refusals.Refused(transports.ReasonClosing)
		return false
	}
	if len(s.conns) >= s.cfg.MaxConns {
		s.cfg.Refusals.Refused(transports.ReasonLimit)
		s.cfg.Client.Logger.Warn("transport: connection refused", slog.Int("max_conns", s.cfg.MaxConns))
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

// serveConn hands each request of conn to its Client until the peer
// closes or a read fails.
func (s *Server) serveConn(conn net.Conn) {
	cc := s.cfg.Client
	cc.Info = s.info(conn)
	cc.Connected = telemetry.TransportData{AdminAPI: telemetry.Ptr(cc.Admin), Path: s.cfg.Path}
	if s.cfg.Path == "" {
		cc.Connected.IP, cc.Connected.Port = cc.Info.RemoteIP, cc.Info.RemotePort
	}
	cc.Send = func(_ context.Context, o Out) error {
		_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		var err error
		if s.cfg.Write != nil {
			err = s.cfg.Write(conn, o.Msg)
		} else {
			_, err = conn.Write(o.Msg)
		}
		if err != nil {
			_ = conn.Close()
		}
		return err
	}
	cc.OnFull = func() { _ = conn.Close() }
	cc.Logger = cc.Logger.With(slog.Uint64("conn_id", cc.Info.ConnID))
	c := New(s.ctx, cc)
	read := s.cfg.NewReader(conn)
	for {
		req, err := read()
		if err != nil {
			break
		}
		c.Handle(append([]byte(nil), req...), "")
	}
	_ = conn.Close()
	c.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
}

// info is the TransportInfo of a new connection.
func (s *Server) info(conn net.Conn) core.TransportInfo {
	info := core.TransportInfo{Package: s.cfg.Client.Info.Package, ConnID: core.RandomID(), Admin: s.cfg.Client.Admin}
	if s.cfg.Path != "" {
		info.RemoteIP, info.LocalIP = s.cfg.Path, s.cfg.Path
		return info
	}
	info.RemoteIP, info.RemotePort = wire.SplitAddr(conn.RemoteAddr().String())
	info.PerIP = true // a TCP client's own address
	info.LocalIP, info.LocalPort = wire.SplitAddr(conn.LocalAddr().String())
	return info
}
