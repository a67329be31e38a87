package webrtc

import (
	"log/slog"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// Config configures the Engine (one pion API per gateway).
type Config struct {
	ServerName string            // event emitter name
	Emitter    telemetry.Emitter // jsep, webrtc and media events
	Logger     *slog.Logger
	// NAT1To1IPs is Janus's nat_1_1_mapping: public addresses advertised
	// as host candidates in place of the local ones ("192.0.2.7", or
	// "192.0.2.7/10.0.0.5" for one local address; natmap.go).
	NAT1To1IPs []string
	// KeepPrivateHost is Janus's keep_private_host: with NAT1To1IPs, the
	// local host candidates stay and the public ones are added.
	KeepPrivateHost bool
	// ICELite is Janus's ice_lite: the PeerConnections are ICE-lite agents
	// (RFC 8445 2.5). They advertise host candidates only, with a=ice-lite
	// in the SDP, send no connectivity checks of their own (the client's
	// checks select the pair and keep consent) and are always the
	// controlled side. It excludes STUNServers (ErrICELiteConfig).
	ICELite         bool
	STUNServers     []string // "stun:host:port"; none by default
	IncludeLoopback bool     // gather loopback candidates (tests, local use)
	// ICEEnforceList and ICEIgnoreList are Janus's ice_enforce_list and
	// ice_ignore_list: the interfaces (by name prefix) or addresses (by
	// prefix of their text) ICE gathers on, or leaves out; the ignore list
	// is not used with an enforce list (icefilter.go). Empty: every
	// interface. Loopback addresses need IncludeLoopback as well.
	ICEEnforceList []string
	ICEIgnoreList  []string
	// IPv6 gathers IPv6 host candidates too (Janus's ipv6, off by default
	// as in Janus). Off, a PeerConnection has one host socket per IPv4
	// address only: each IPv6 one cost a socket, a read goroutine and its
	// 8 KiB buffer in pion's ICE agent, and more candidate pairs to check.
	IPv6 bool
	// ICEPortMin and ICEPortMax (Janus rtp_port_range) limit the ports of
	// the PeerConnections' sockets; zero: ephemeral ports. By default, as
	// in Janus, every PeerConnection gathers its own socket.
	ICEPortMin uint16
	ICEPortMax uint16
	// SharedUDP, an Argus extra (LiveKit's udp_port), puts every
	// PeerConnection on one UDP socket per local address, all on port
	// ICEUDPPort (0: an ephemeral port chosen at NewEngine), whose writes
	// leave in sendmmsg batches (core/webrtc/sharedport). It excludes
	// ICEPortMin and ICEPortMax.
	SharedUDP         bool
	ICEUDPPort        uint16
	StatsPeriod       time.Duration // media report period; 0 disables reports
	NoMediaTimer      time.Duration // "media receiving false" after this idle time
	SlowlinkThreshold int           // lost packets per second for slowlink; 0 = off
	CombineMediaStats bool
	// HangupOnFailed is Janus 1.2's hangup_on_failed: when ICE fails after
	// it was up (consent freshness lost), hang up at once instead of after
	// ICEFailedGrace. The ice-failed notification is sent either way.
	HangupOnFailed bool
	// ICEDisconnectedTimeout and ICEFailedTimeout are pion's ICE timers:
	// silence from the client before ICE is "disconnected", then before it
	// is "failed" (consent lost). Zero keeps pion's 5 s (10 s for an
	// ICE-lite agent) and 25 s.
	ICEDisconnectedTimeout time.Duration
	ICEFailedTimeout       time.Duration
	// NACKWindow is the least time sent packets are kept to answer NACKs
	// (Janus's min_nack_queue); 0 means DefaultNACKWindow (200 ms). A
	// stream keeps twice its measured round-trip time when that is longer,
	// up to MaxNACKWindow (1 s).
	NACKWindow time.Duration
	// Refusals, if set, counts what the engine's bounds dropped: NACKed
	// retransmissions beyond a stream's budget, data channel messages
	// beyond a channel's buffer (limits.go).
	Refusals RefusalCounter
}

// DefaultNoMediaTimer is Janus's no_media_timer default (1 s).
const DefaultNoMediaTimer = time.Second

// DefaultServerName is Janus's default server_name, used as event emitter.
const DefaultServerName = "MyJanusInstance"

// withDefaults fills in the zero values that have a Janus default.
func (c Config) withDefaults() Config {
	if c.ServerName == "" {
		c.ServerName = DefaultServerName
	}
	if c.Emitter == nil {
		c.Emitter = telemetry.Discard
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.NoMediaTimer <= 0 {
		c.NoMediaTimer = DefaultNoMediaTimer
	}
	return c
}
