package core

import "github.com/argusrtc/argus/core/webrtc"

// ICEFailed pushes Janus 1.2's "ice-failed" {session_id, sender,
// opaque_id?}: ICE failed after it was up (consent freshness lost). The
// hangup follows, at once with -hangup-on-failed, else after
// webrtc.ICEFailedGrace.
func (o *peerObserver) ICEFailed() {
	if !o.current() {
		return
	}
	o.h.log.Warn("ICE failed after it was up (consent lost)")
	o.h.sess.push(mustJSON(o.h.base("ice-failed", "")))
}

var _ webrtc.ICEFailedObserver = (*peerObserver)(nil)
