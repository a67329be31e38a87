package webrtc

import "log/slog"

// Observer receives a Peer's state changes that the core turns into Janus
// API events for the client. Calls never overlap for one Peer and must not block.
type Observer interface {
	WebRTCUp()
	Media(mid, kind string, receiving bool)
	SlowLink(mid, kind string, uplink bool, lost int)
	// Hangup is called exactly once, after the PeerConnection closed.
	Hangup(reason string)
}

// PeerParams identifies the handle a Peer belongs to.
type PeerParams struct {
	SessionID uint64
	HandleID  uint64
	OpaqueID  string
	Observer  Observer
	Logger    *slog.Logger
}

// ICEFailedObserver is optionally implemented by an Observer to learn that
// ICE failed after it was up (Janus 1.2's "ice-failed" client event). It
// is called at most once per Peer, on the Peer's goroutine, before the
// hangup.
type ICEFailedObserver interface {
	ICEFailed()
}

// nopObserver is used when PeerParams.Observer is nil.
type nopObserver struct{}

func (nopObserver) WebRTCUp()                          {}
func (nopObserver) Media(string, string, bool)         {}
func (nopObserver) SlowLink(string, string, bool, int) {}
func (nopObserver) Hangup(string)                      {}

var _ Observer = nopObserver{}
