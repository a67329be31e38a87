package core

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/argusrtc/argus/internal/clientaddr"
)

// Defaults of Limits. Each is far above what janus.js EchoTest and
// VideoRoom clients do (a handful of handles, a few dozen candidates, SDPs
// of a few KB per m-line) and small enough that one client cannot make the
// core hold more than a few MB (docs/SECURITY.md).
const (
	DefaultMaxSessions          = 65536
	DefaultMaxHandlesPerSession = 256
	DefaultMaxPendingTrickles   = 256 // as the WebRTC engine's own queue
	DefaultMaxSDPSize           = 512 << 10
	DefaultMaxMLines            = 128
	// DefaultMaxSessionsPerIP lets one address hold 1/64 of the global
	// session budget: twice what cmd/argus-load opens from one host, far
	// above what one browser does (a session per tab).
	DefaultMaxSessionsPerIP = 1024
	// DefaultMaxPeerConnections bounds the memory PeerConnections hold:
	// each takes about 0.5-0.8 MiB and 25 goroutines under load
	// (docs/BENCHMARKS.md), so 4096 of them about 2-3 GiB, eight times the
	// largest benchmarked load (fan-out 1 → 500).
	DefaultMaxPeerConnections = 4096
	// DefaultMaxPeerConnectionsPerIP lets one address hold 1/16 of the
	// PeerConnection budget, so that one client cannot take it all (16
	// sessions of 256 handles would). A VideoRoom user has one publisher
	// and a few subscriber PeerConnections, a page showing many rooms a
	// few tens: far below.
	DefaultMaxPeerConnectionsPerIP = 256
)

// MaxOpaqueIDSize bounds an attach's opaque_id, which every log line,
// event, HEP record and span of the handle repeats. Janus 1.1.2 has no
// bound; janus.js builds ids of a few dozen bytes, so no real client comes
// near this one.
const MaxOpaqueIDSize = 256

// Names of the limits, as RefusalCounter receives them and
// argus_limit_refused_total labels them.
const (
	LimitSessions = "sessions"
	LimitHandles  = "handles_per_session"
	LimitTrickles = "pending_trickles"
	LimitStaleICE = "stale_trickles"
	LimitSDPSize  = "sdp_size"
	LimitMLines   = "sdp_mlines"
	LimitUTF8     = "invalid_utf8"
	// LimitRemoteCandidates counts trickled candidates dropped beyond
	// webrtc.MaxRemoteCandidates per PeerConnection (answered "ack", as
	// Janus answers a candidate it cannot add).
	LimitRemoteCandidates = "remote_candidates"
	// LimitOpaqueID counts attaches refused (467) for an opaque_id longer
	// than MaxOpaqueIDSize.
	LimitOpaqueID = "opaque_id_size"
	// LimitSessionsPerIP counts creates refused (472) because the client's
	// address already holds Limits.MaxSessionsPerIP sessions.
	LimitSessionsPerIP = "sessions_per_ip"
	// LimitPeerConnections counts PeerConnections not created (an offer
	// answered 490) because Limits.MaxPeerConnections are live.
	LimitPeerConnections = "peerconnections"
	// LimitPeerConnectionsPerIP counts PeerConnections not created (an
	// offer answered 490) because the session's client address already
	// holds Limits.MaxPeerConnectionsPerIP live ones.
	LimitPeerConnectionsPerIP = "peerconnections_per_ip"
)

// LimitNames returns the names of the core's own limits (the Limit*
// constants above), the ones it counts itself. The core's
// Config.Refusals gets the plugins' names too, as the core forwards what
// its plugins count (PluginLimitNames); the WebRTC engine counts its own
// (webrtc.Limit*) with the counter it is given.
func LimitNames() []string {
	return []string{
		LimitSessions, LimitHandles, LimitTrickles, LimitStaleICE, LimitSDPSize, LimitMLines, LimitUTF8,
		LimitRemoteCandidates, LimitOpaqueID, LimitSessionsPerIP, LimitPeerConnections,
		LimitPeerConnectionsPerIP,
	}
}

// Limits bound what one client can make the core hold. Zero fields take the
// defaults above; a negative field disables that limit.
type Limits struct {
	// MaxSessions refuses a create beyond this many live sessions (472).
	MaxSessions int
	// MaxHandlesPerSession refuses an attach beyond this many handles (461).
	MaxHandlesPerSession int
	// MaxPendingTrickles bounds the candidates queued on a handle with no
	// PeerConnection yet, and those a PeerConnection whose first offer may
	// still be refused keeps for the retry's (webrtc.MaxRemoteCandidates
	// when this is off); the ones beyond are dropped and the trickle
	// answered with error 490. Queued candidates older than
	// Config.CandidatesTimeout are dropped as new ones arrive.
	MaxPendingTrickles int
	// MaxSDPSize and MaxMLines refuse a jsep with a larger SDP or more
	// m-lines (465).
	MaxSDPSize int
	MaxMLines  int
	// MaxSessionsPerIP refuses a create (472) from a client address that
	// already holds this many live sessions. Only transports that mark
	// TransportInfo.PerIP (HTTP, WebSocket) are counted; a session counts
	// under the address that created it until it ends, a claim moving it
	// to another client included.
	MaxSessionsPerIP int
	// MaxPeerConnections refuses a new PeerConnection (Handle.Peer fails
	// with ErrTooManyPeers, an offer is answered 490) beyond this many live
	// ones, closing ones included until their Hangup ran.
	MaxPeerConnections int
	// MaxPeerConnectionsPerIP refuses a new PeerConnection, as
	// MaxPeerConnections does, beyond this many live ones under the
	// client address of the handle's session (the one MaxSessionsPerIP
	// counts it under; sessions of transports with no client address are
	// not counted).
	MaxPeerConnectionsPerIP int
	// IPv6ClientPrefix is the prefix length under which MaxSessionsPerIP
	// and MaxPeerConnectionsPerIP count an IPv6 client (clientaddr.Key):
	// 0 means clientaddr.DefaultIPv6Prefix (a /64, what one client
	// normally holds, so rotating addresses within it gains nothing), 128
	// counts each address apart; values outside 32..128 are clamped.
	// IPv4 clients (IPv4-mapped ones too) always count per address.
	IPv6ClientPrefix int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0 // no limit
		}
	}
	def(&l.MaxSessions, DefaultMaxSessions)
	def(&l.MaxHandlesPerSession, DefaultMaxHandlesPerSession)
	def(&l.MaxPendingTrickles, DefaultMaxPendingTrickles)
	def(&l.MaxSDPSize, DefaultMaxSDPSize)
	def(&l.MaxMLines, DefaultMaxMLines)
	def(&l.MaxSessionsPerIP, DefaultMaxSessionsPerIP)
	def(&l.MaxPeerConnections, DefaultMaxPeerConnections)
	def(&l.MaxPeerConnectionsPerIP, DefaultMaxPeerConnectionsPerIP)
	l.IPv6ClientPrefix = clientaddr.IPv6Prefix(l.IPv6ClientPrefix)
	return l
}

// RefusalCounter counts what the limits refused or dropped, by limit name
// (the Limit* constants). It is called on the request path, so it must be
// cheap and never block (an atomic add).
type RefusalCounter interface {
	Refused(limit string, n int)
}

// refused counts n refusals of limit, if anyone counts.
func (g *Gateway) refused(limit string, n int) {
	if g.cfg.Refusals != nil && n > 0 {
		g.cfg.Refusals.Refused(limit, n)
	}
}

// sessionLimitLocked refuses a new session beyond MaxSessions, or beyond
// MaxSessionsPerIP for a client at addr; g.mu is held.
func (g *Gateway) sessionLimitLocked(addr string) *APIError {
	if limit := g.cfg.Limits.MaxSessions; limit > 0 && len(g.sessions) >= limit {
		g.refused(LimitSessions, 1)
		return apiErr(CodeNotAcceptingSessions, "Currently not accepting new sessions (limit %d)", limit)
	}
	if key, limit := g.sessionsKey(addr), g.cfg.Limits.MaxSessionsPerIP; key != "" && g.perIP[key] >= limit {
		g.refused(LimitSessionsPerIP, 1)
		return apiErr(CodeNotAcceptingSessions, "Currently not accepting new sessions (limit %d per client address)", limit)
	}
	return nil
}

// sessionsKey is the key under which a session of a client at addr counts
// against MaxSessionsPerIP: addr, or "" when the limit is off.
func (g *Gateway) sessionsKey(addr string) string {
	if g.cfg.Limits.MaxSessionsPerIP <= 0 {
		return ""
	}
	return addr
}

// clientAddr is c's address as the per-address limits key it, as
// -max-conns-per-ip keys it (clientaddr.KeyString: an IPv4 client per
// address, an IPv6 one per Limits.IPv6ClientPrefix prefix), or "" when
// c's transport has no client address of its own. Behind a trusted
// reverse proxy the transport's RemoteIP is already the forwarded client.
func (g *Gateway) clientAddr(c Client) string {
	if c == nil {
		return ""
	}
	info := c.Info()
	if !info.PerIP || info.RemoteIP == "" {
		return ""
	}
	return clientaddr.KeyString(info.RemoteIP, g.cfg.Limits.IPv6ClientPrefix)
}

// releaseIPLocked gives back a session's count of ip; g.mu is held. An
// address with no session left leaves the map, so that it holds only the
// addresses with live sessions.
func (g *Gateway) releaseIPLocked(ip string) {
	if ip != "" {
		releaseKey(g.perIP, ip)
	}
}

// releaseKey takes one off key's count in m, forgetting a key that has
// none left: the per-address maps hold only the addresses in use.
func releaseKey(m map[string]int, key string) {
	if n := m[key] - 1; n > 0 {
		m[key] = n
	} else {
		delete(m, key)
	}
}

// acquirePeer takes one of the MaxPeerConnections slots and, for a
// session with client address ip (not ""), one of that address's
// MaxPeerConnectionsPerIP, counting a refusal when none is left; the
// Peer's Hangup (peerObserver) gives them back with releasePeer(ip).
//
// A count is never raised past its limit, not even for a moment, so a
// release racing an acquire at the limit cannot make it refuse: the
// global count moves by compare-and-swap, the per-address ones under
// g.peerMu, which also covers the global swap of a counted address so
// that a refusal by the global limit leaves nothing to undo.
func (g *Gateway) acquirePeer(ip string) error {
	if g.cfg.Limits.MaxPeerConnectionsPerIP <= 0 || ip == "" {
		return g.acquireGlobalPeer()
	}
	g.peerMu.Lock()
	defer g.peerMu.Unlock()
	if limit := g.cfg.Limits.MaxPeerConnectionsPerIP; g.peersPerIP[ip] >= limit {
		g.refused(LimitPeerConnectionsPerIP, 1)
		return fmt.Errorf("%w (limit %d per client address)", ErrTooManyPeers, limit)
	}
	if err := g.acquireGlobalPeer(); err != nil {
		return err
	}
	g.peersPerIP[ip]++
	return nil
}

// acquireGlobalPeer takes one of the MaxPeerConnections slots.
func (g *Gateway) acquireGlobalPeer() error {
	limit := int64(g.cfg.Limits.MaxPeerConnections)
	for {
		n := g.peers.Load()
		if limit > 0 && n >= limit {
			g.refused(LimitPeerConnections, 1)
			return fmt.Errorf("%w (limit %d)", ErrTooManyPeers, limit)
		}
		if g.peers.CompareAndSwap(n, n+1) {
			return nil
		}
	}
}

// releasePeer gives back what acquirePeer(ip) took. An address with no
// PeerConnection left leaves the map.
func (g *Gateway) releasePeer(ip string) {
	if g.cfg.Limits.MaxPeerConnectionsPerIP <= 0 || ip == "" {
		g.peers.Add(-1)
		return
	}
	g.peerMu.Lock()
	defer g.peerMu.Unlock()
	releaseKey(g.peersPerIP, ip)
	g.peers.Add(-1)
}

// checkSDP applies MaxSDPSize and MaxMLines to a remote description,
// counting a refusal.
func (g *Gateway) checkSDP(sdp string) *APIError {
	l := g.cfg.Limits
	if l.MaxSDPSize > 0 && len(sdp) > l.MaxSDPSize {
		g.refused(LimitSDPSize, 1)
		return apiErr(CodeJSEPInvalidSDP, "JSEP error: SDP too large (%d bytes, limit %d)", len(sdp), l.MaxSDPSize)
	}
	if l.MaxMLines > 0 {
		if n := countMLines(sdp); n > l.MaxMLines {
			g.refused(LimitMLines, 1)
			return apiErr(CodeJSEPInvalidSDP, "JSEP error: too many m-lines (%d, limit %d)", n, l.MaxMLines)
		}
	}
	return nil
}

// countMLines counts the SDP lines starting with "m=".
func countMLines(sdp string) int {
	n := 0
	if len(sdp) >= 2 && sdp[:2] == "m=" {
		n++
	}
	for i := 0; i+2 < len(sdp); i++ {
		if sdp[i] == '\n' && sdp[i+1] == 'm' && sdp[i+2] == '=' {
			n++
		}
	}
	return n
}

// invalidUTF8 returns the offset and value of the first byte of raw that is
// not valid UTF-8, as Janus's JSON parser (jansson) refuses such input.
func invalidUTF8(raw []byte) (int, byte, bool) {
	if utf8.Valid(raw) {
		return 0, 0, false
	}
	for off := 0; off < len(raw); {
		r, size := utf8.DecodeRune(raw[off:])
		if r == utf8.RuneError && size <= 1 {
			return off, raw[off], true
		}
		off += size
	}
	return 0, 0, false
}

// badUTF8 answers a request that is not valid UTF-8 with a 454 (nil when it
// is valid), counting the refusal.
func (g *Gateway) badUTF8(raw []byte) []byte {
	off, b, bad := invalidUTF8(raw)
	if !bad {
		return nil
	}
	g.refused(LimitUTF8, 1)
	return errorReply(0, nil, utf8Error(raw, off, b))
}

// utf8Error is the 454 Janus answers invalid UTF-8 with (jansson's "unable to
// decode byte" text, in the "JSON error: on line" form of parseRequest).
func utf8Error(raw []byte, off int, b byte) *APIError {
	line := 1 + bytes.Count(raw[:off], []byte{'\n'})
	return apiErr(CodeInvalidJSON, "JSON error: on line %d: unable to decode byte 0x%x", line, b)
}
