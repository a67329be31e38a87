package unix

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Package is the transport's Janus package name.
const Package = "janus.transport.pfunix"

// Socket types, spelled as in Janus's configuration.
const (
	SeqPacket = "SOCK_SEQPACKET"
	Dgram     = "SOCK_DGRAM"
)

// Defaults.
const (
	// DefaultMaxMessage bounds one request. Each connection reads into its
	// own buffer of this size, so it is smaller than the WebSocket
	// transport's 1 MiB: 256 KiB is still ten times a large offer, and a
	// Unix packet cannot exceed the socket send buffer (about 200 KiB) anyway.
	DefaultMaxMessage = 256 << 10
	// DefaultMaxConns bounds connections (datagram peers) per socket:
	// with DefaultMaxMessage at most 64 MiB of read buffers. A Unix socket
	// serves local applications, not browsers.
	DefaultMaxConns = 256
	// DefaultWriteTimeout bounds one write to a peer.
	DefaultWriteTimeout = 10 * time.Second
)

// ErrBadType is returned for a socket type other than SeqPacket and Dgram.
var ErrBadType = errors.New("unix transport: socket type must be SOCK_SEQPACKET or SOCK_DGRAM")

// Config configures a Transport.
type Config struct {
	Gateway    transports.Gateway
	Emitter    telemetry.Emitter
	ServerName string
	Logger     *slog.Logger
	// Refusals counts refused connections and datagram peers
	// (transports.Deps.Refusals); nil counts nothing.
	Refusals *transports.RefusalCounter

	Path  string // socket path to bind; an existing socket there is replaced
	Type  string // SeqPacket (default) or Dgram
	Admin bool   // serve the Admin API
	// JSON is the layout of what is sent (Janus's "json"); "" is
	// indented, Janus's default.
	JSON evhkit.Format

	MaxMessage   int
	MaxConns     int
	Queue        int // per-connection outgoing queue (msgclient default)
	MaxInFlight  int // per-connection concurrent "message" requests
	WriteTimeout time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch strings.ToUpper(c.Type) {
	case "", SeqPacket, "SEQPACKET":
		c.Type = SeqPacket
	case Dgram, "DGRAM":
		c.Type = Dgram
	default:
		return c, fmt.Errorf("%w: %q", ErrBadType, c.Type)
	}
	if c.JSON == "" {
		c.JSON = evhkit.Indented
	}
	f, err := evhkit.ParseFormat(string(c.JSON))
	if err != nil {
		return c, fmt.Errorf("unix transport: %w", err)
	}
	c.JSON = f
	wire.OrDefault(&c.MaxMessage, DefaultMaxMessage)
	wire.OrDefault(&c.MaxConns, DefaultMaxConns)
	wire.OrDefault(&c.WriteTimeout, DefaultWriteTimeout)
	return c, nil
}
