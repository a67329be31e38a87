package core

// pendingOffer is a client offer applied to the handle's PeerConnection
// whose message the plugin has not replied to yet.
type pendingOffer struct {
	tx     string     // the message's transaction
	ps     *peerState // the PeerConnection it was applied to
	update bool       // a renegotiation: the PeerConnection had negotiated before
}

// reasonOfferRefused is the reason a PeerConnection is discarded when the
// plugin refused its first offer (for the log: neither the plugin nor the
// client hears of it; the events hear of its end only if no retry's
// PeerConnection takes over, see handle.endDiscardedLocked).
const reasonOfferRefused = "Offer refused"

// expectReply notes that the offer of transaction tx was applied to ps (h.mu
// not held).
func (h *handle) expectReply(tx string, ps *peerState, update bool) {
	h.mu.Lock()
	h.offer = &pendingOffer{tx: tx, ps: ps, update: update}
	h.mu.Unlock()
}

// replied is called with the plugin's reply to the message of transaction
// tx: a synchronous result (jsep nil) or the first event pushed with tx
// (not with an empty tx: that of every unsolicited event too).
// When that message carried an offer and the reply has no answer while the
// offer still waits for one, the plugin refused it: the offer is dropped,
// before the client reads the reply, so that the client's next offer on
// the handle applies (janus-reference.md 1.3: a plugin answers an offer in
// the event of its message).
func (h *handle) replied(tx string, jsep *JSEP) {
	h.mu.Lock()
	o := h.offer
	if o == nil || o.tx != tx {
		h.mu.Unlock()
		return
	}
	h.offer = nil
	h.mu.Unlock()
	if (jsep != nil && jsep.Type == "answer") || !o.ps.peer.AwaitingAnswer() {
		// Answered (meanwhile, maybe), or closed.
		h.mu.Lock()
		h.settleLocked(o.ps)
		h.mu.Unlock()
		return
	}
	if o.update {
		// The PeerConnection is up: keep it, and its media.
		if _, err := o.ps.peer.AbandonOffer(); err != nil {
			h.log.Warn("dropping the refused offer failed", "error", err)
			return
		}
		h.log.Debug("refused offer dropped")
		return
	}
	// A first offer: pion keeps what it applied (ICE credentials, DTLS
	// fingerprint, codecs), so the next offer gets a new PeerConnection;
	// the events go on as if it were this one. The candidates the client
	// trickled to this one go to that one, if its offer has the same ICE
	// ufrag (trickle.go): a client that retries with the same
	// RTCPeerConnection does not send them again.
	// It is the handle's hanging one until its Hangup gave its slot back,
	// so that a retry waits for that (ensurePeer) rather than meet the
	// PeerConnection limit, and a detach waits for it too. Its hangup
	// event is owed until a retry's PeerConnection takes over, or
	// emitted when the handle hangs up or detaches first (unended).
	h.mu.Lock()
	live := h.pc == o.ps && !o.ps.closing
	if live {
		h.pc = nil
		o.ps.closing, o.ps.discarded = true, true
		h.hanging = o.ps
		h.unended = o.ps
		h.passTricklesLocked(o.ps)
	}
	h.mu.Unlock()
	if live {
		h.log.Debug("PeerConnection of a refused first offer dropped")
		o.ps.peer.Discard(reasonOfferRefused)
	}
}
