package homer

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"time"
)

// Correlation modes for SinkConfig.Correlation.
const (
	CorrelationSession = "session" // decimal session_id (default)
	CorrelationOpaque  = "opaque"  // opaque_id when known, else as session
)

// Defaults applied by NewSink to zero fields of SinkConfig.
const (
	// DefaultCaptureID is hep-js's and paStash's customary agent id.
	DefaultCaptureID = 2001
	// DefaultNodeName names the capture agent when NodeName is empty.
	DefaultNodeName = "argus"
	// DefaultDialTimeout bounds one TCP/TLS connect attempt.
	DefaultDialTimeout = 3 * time.Second
	// DefaultWriteTimeout bounds one TCP/TLS write when ctx has no earlier
	// deadline (UDP writes never wait).
	DefaultWriteTimeout = 2 * time.Second
	// DefaultMinBackoff is the first wait after a failed TCP/TLS connect.
	DefaultMinBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the doubling reconnect wait: a restarted
	// heplify-server is found again within 10 s.
	DefaultMaxBackoff = 10 * time.Second
	// DefaultMaxHandles bounds the per-handle state (session, selected pair,
	// previous media counters); the oldest entry is evicted beyond it. 65536
	// handles × ~200 bytes ≈ 13 MB worst case.
	DefaultMaxHandles = 65536
)

// AddressFunc reports a session's client transport address and the gateway
// listener it reached, for the src/dst of the session's HEP packets.
type AddressFunc func(sessionID uint64) (client, server netip.AddrPort, ok bool)

// SinkConfig configures NewSink. Only URL is required.
type SinkConfig struct {
	// URL of heplify-server: "udp://host:9060", "tcp://host:9061" or
	// "tls://host:9061".
	URL string
	// CaptureID is the HEP capture agent id (chunk 0x000c); 0 = DefaultCaptureID.
	CaptureID uint32
	// Password is the HEP auth key (chunk 0x000e), off when empty.
	// heplify-server stores it in clear and never checks it: no real secret.
	Password string
	// NodeName is the capture agent name (chunk 0x0013); use the server name.
	NodeName string
	// Correlation is CorrelationSession (default) or CorrelationOpaque.
	Correlation string
	// Logger receives connection state changes; nil = slog.Default().
	Logger *slog.Logger
	// TLSConfig for tls:// (nil = system roots, ServerName from the URL).
	TLSConfig *tls.Config
	// AddressOf, when set, gives the client/server addresses of a session;
	// it overrides the addresses the sink learns from the events.
	AddressOf AddressFunc
	// DisableRoomCorrelation stops the extra type 100 copy, under the
	// correlation id "room-<id>", of room plugin events and of the
	// PeerConnection events of handles in a room.
	DisableRoomCorrelation bool
	// ServerAddr is the gateway's listener address (the dst of signalling
	// events); zero = the listener each transport event reports.
	ServerAddr netip.AddrPort
	// DialTimeout, WriteTimeout, MinBackoff, MaxBackoff and MaxHandles
	// override the defaults of the same names when > 0.
	DialTimeout  time.Duration
	WriteTimeout time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	MaxHandles   int
}

// withDefaults validates c and fills in defaults; it returns the network
// ("udp", "tcp", "tls") and address.
func (c *SinkConfig) withDefaults() (network, addr string, err error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	switch u.Scheme {
	case "udp", "tcp", "tls":
	default:
		return "", "", fmt.Errorf("%w: scheme %q", ErrBadURL, u.Scheme)
	}
	if _, port, err := net.SplitHostPort(u.Host); err != nil || port == "" || u.Path != "" && u.Path != "/" {
		return "", "", fmt.Errorf("%w: %q", ErrBadURL, c.URL)
	}
	switch c.Correlation {
	case "":
		c.Correlation = CorrelationSession
	case CorrelationSession, CorrelationOpaque:
	default:
		return "", "", fmt.Errorf("%w: %q", ErrBadCorrelation, c.Correlation)
	}
	if c.CaptureID == 0 {
		c.CaptureID = DefaultCaptureID
	}
	if c.NodeName == "" {
		c.NodeName = DefaultNodeName
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	setDefault(&c.DialTimeout, DefaultDialTimeout)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.MinBackoff, DefaultMinBackoff)
	setDefault(&c.MaxBackoff, DefaultMaxBackoff)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.MaxHandles <= 0 {
		c.MaxHandles = DefaultMaxHandles
	}
	return u.Scheme, u.Host, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}
