package core

import "maps"

// MarkPeerClosing marks the PeerConnection of handle hid (of session sid)
// as closing without closing it: the state between the start of a hangup
// (ClosePeer, a hangup request) and its Peer's Hangup, held open for as
// long as the test needs. It reports whether the handle had one.
func MarkPeerClosing(g *Gateway, sid SessionID, hid HandleID) bool {
	s := g.session(sid)
	if s == nil {
		return false
	}
	h := s.handle(hid)
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pc == nil {
		return false
	}
	h.pc.closing = true
	return true
}

// LivePeers returns how many of the MaxPeerConnections slots are taken.
func LivePeers(g *Gateway) int64 { return g.peers.Load() }

// SessionsPerIP returns a copy of the live sessions counted per client
// address.
func SessionsPerIP(g *Gateway) map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.perIP)
}

// PeersPerIP returns a copy of the live PeerConnections counted per client
// address.
func PeersPerIP(g *Gateway) map[string]int {
	g.peerMu.Lock()
	defer g.peerMu.Unlock()
	return maps.Clone(g.peersPerIP)
}

// AcquirePeer and ReleasePeer take and give back a PeerConnection's slots
// as Handle.Peer and its Hangup do, for a session of client address ip.
func AcquirePeer(g *Gateway, ip string) error { return g.acquirePeer(ip) }
func ReleasePeer(g *Gateway, ip string)       { g.releasePeer(ip) }
