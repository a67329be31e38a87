package core

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core/webrtc"
)

// handle is one Janus handle: a plugin session plus at most one PeerConnection.
type handle struct {
	id      HandleID
	sess    *session
	g       *Gateway
	pkg     string
	plugin  Plugin
	ps      PluginSession
	opaque  string
	token   string
	log     *slog.Logger
	created time.Time

	negMu  sync.Mutex // serializes remote descriptions
	peerMu sync.Mutex // serializes PeerConnection creation

	mu       sync.Mutex
	pc       *peerState
	gen      uint64
	pending  []pendingTrickle
	detached bool
	gone     chan struct{} // closed by markDetached
	hanging  *peerState    // off h.pc, its Hangup under way (see ensurePeer, detach)
	offer    *pendingOffer // the last offer applied, until the plugin replied (offer.go)
	// unended is the PeerConnection discarded with a refused first offer
	// while no other has taken its place: its hangup event is still owed
	// (endDiscardedLocked). A new PeerConnection clears it: the events go
	// on as if it were that one, and its own hangup ends them.
	unended *peerState
}

// peerState is the handle's current PeerConnection.
type peerState struct {
	peer       *webrtc.Peer
	gen        uint64
	closing    bool
	negotiated bool          // a remote description was applied
	discarded  bool          // dropped with a refused first offer (offer.go)
	hungUp     chan struct{} // closed once its Hangup was handled
	// ufrag is the ICE ufrag of the client's first offer applied to it.
	ufrag string
	// trickled are the candidates it took (queued ones included) while
	// its first offer could still be refused, at most
	// Limits.MaxPendingTrickles (webrtc.MaxRemoteCandidates when that is
	// off; unkept counts the others): a refusal
	// passes them on to the next PeerConnection (trickle.go). settled
	// ends that: the first negotiation was answered.
	trickled []pendingTrickle
	unkept   int
	settled  bool
}

// pendingTrickle is a trickled candidate kept for a PeerConnection: queued
// on the handle until one exists (handle.pending), or taken by one whose
// first offer could still be refused (peerState.trickled).
type pendingTrickle struct {
	at   time.Time
	cand any // a decoded candidate value
	// ufrag is the ICE ufrag the candidate belongs to: the one it names
	// (explicitUfrag), else that of the refused offer whose PeerConnection
	// took it; "" when not known.
	ufrag string
}

// SessionID returns the handle's session id.
func (h *handle) SessionID() SessionID { return h.sess.id }

// ID returns the handle id.
func (h *handle) ID() HandleID { return h.id }

// OpaqueID returns the opaque_id given at attach ("" if none).
func (h *handle) OpaqueID() string { return h.opaque }

// Logger carries session_id, handle_id and opaque_id.
func (h *handle) Logger() *slog.Logger { return h.log }

// plugSess returns the plugin session.
func (h *handle) plugSess() PluginSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ps
}

// isDetached reports whether the handle was detached.
func (h *handle) isDetached() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.detached
}

// base starts an asynchronous message {janus, session_id, [transaction], sender, opaque_id?}.
func (h *handle) base(kind, transaction string) obj {
	o := obj{}.set("janus", kind).set("session_id", uint64(h.sess.id))
	if transaction != "" {
		o = o.set("transaction", transaction)
	}
	o = o.set("sender", uint64(h.id))
	if h.g.cfg.OpaqueIDInAPI && h.opaque != "" {
		o = o.set("opaque_id", h.opaque)
	}
	return o
}

// Push sends a plugin "event" to the session's client.
func (h *handle) Push(transaction string, data any, jsep *JSEP) error {
	if h.isDetached() {
		return ErrHandleGone
	}
	if transaction != "" { // "" is also every unsolicited event's
		h.replied(transaction, jsep)
	}
	o := h.base("event", transaction).set("plugindata", obj{}.set("plugin", h.pkg).set("data", data))
	if jsep != nil {
		j := obj{}.set("type", jsep.Type).set("sdp", jsep.SDP)
		if jsep.E2EE {
			j = j.set("e2ee", true)
		}
		o = o.set("jsep", j)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	h.sess.push(b)
	return nil
}

// Peer returns the handle's PeerConnection, creating it if needed.
func (h *handle) Peer() (*webrtc.Peer, error) {
	ps, err := h.ensurePeer(context.Background(), "")
	if err != nil {
		return nil, err
	}
	return ps.peer, nil
}

// ClosePeer hangs the PeerConnection up with reason "Close PC".
func (h *handle) ClosePeer() { h.hangup("Close PC") }

// cleaningWait bounds how long ensurePeer waits for a closing
// PeerConnection's Hangup before it answers ErrStillCleaning (Janus 471);
// 3 s, as Janus waits before "Still cleaning a previous session".
const cleaningWait = 3 * time.Second

// ensurePeer returns the live PeerConnection or creates one, waiting up to
// cleaningWait for a previous one to finish closing, as Janus does: one
// being closed, or one whose Hangup is still telling the plugin and the
// client (a new PeerConnection then would have the plugin hear of it
// before the old one's hangup). A detach ends the wait with ErrHandleGone:
// the closing PeerConnection is then no longer the live one, so its
// Hangup would never end it. A new PeerConnection gets the queued
// candidates; ufrag is the ICE ufrag of the client offer it is made for
// ("" if none), whose other ICE sessions' candidates it does not get.
func (h *handle) ensurePeer(ctx context.Context, ufrag string) (*peerState, error) {
	h.peerMu.Lock()
	defer h.peerMu.Unlock()
	h.mu.Lock()
	if h.detached {
		h.mu.Unlock()
		return nil, ErrHandleGone
	}
	ps, wait := h.pc, h.hanging
	h.mu.Unlock()
	if ps != nil {
		select {
		case <-ps.peer.Done(): // closed on its own: wait for its Hangup below
		default:
			h.mu.Lock()
			closing := ps.closing
			h.mu.Unlock()
			if !closing {
				return ps, nil
			}
		}
		wait = ps
	}
	if wait != nil {
		t := time.NewTimer(cleaningWait)
		defer t.Stop()
		select {
		case <-wait.hungUp:
		case <-h.gone:
			return nil, ErrHandleGone
		case <-t.C:
			return nil, ErrStillCleaning
		case <-ctx.Done():
			return nil, ErrStillCleaning
		}
	}
	if h.g.cfg.Engine == nil {
		return nil, ErrNoEngine
	}
	if err := h.g.acquirePeer(h.sess.addr); err != nil {
		h.log.Debug("PeerConnection refused", "error", err) // counted; no log line per refusal
		return nil, err
	}
	h.mu.Lock()
	h.gen++
	gen := h.gen
	h.mu.Unlock()
	peer, err := h.g.cfg.Engine.NewPeer(webrtc.PeerParams{
		SessionID: uint64(h.sess.id),
		HandleID:  uint64(h.id),
		OpaqueID:  h.opaque,
		Observer:  &peerObserver{h: h, gen: gen},
		Logger:    h.log,
	})
	if err != nil {
		h.g.releasePeer(h.sess.addr)
		h.log.Warn("creating the PeerConnection failed", "error", err)
		return nil, fmt.Errorf("core: creating the PeerConnection: %w", err)
	}
	ps = &peerState{peer: peer, gen: gen, hungUp: make(chan struct{})}
	h.mu.Lock()
	if h.detached {
		h.mu.Unlock()
		// It never was the handle's, nor emitted an event: no hangup
		// (the detach ended the events, unended included).
		peer.Discard("Detach")
		return nil, ErrHandleGone
	}
	h.pc = ps
	h.unended = nil
	pending := h.pending
	h.pending = nil
	h.mu.Unlock()
	h.flushTrickles(ps, pending, ufrag)
	return ps, nil
}

// hangup closes the PeerConnection (if any) with a Janus reason; with none
// since a refused first offer's, it ends that one's events.
func (h *handle) hangup(reason string) {
	h.mu.Lock()
	ps := h.pc
	if ps != nil {
		ps.closing = true
	}
	ended := h.endDiscardedLocked(reason)
	h.mu.Unlock()
	if ps != nil {
		ps.peer.Close(reason)
	}
	if ended {
		h.log.Info("PeerConnection of a refused first offer hung up", "reason", reason)
	}
}

// endDiscardedLocked emits the hangup event of h.unended, the PeerConnection
// of a refused first offer that no other replaced, with a Janus reason, and
// reports whether it did (h.mu held). Janus 1.1.2 keeps such a
// PeerConnection until the handle hangs up or detaches; Argus drops it at
// once for a retry (offer.go), and tells event consumers it ended when
// Janus would have ended it, unless a retry's PeerConnection took over.
// Under h.mu, so that a PeerConnection made after it, whose events go
// after its hangup, cannot emit first.
// The candidates it had passed on for a retry (trickle.go) go too: its
// ICE session ended with it, as Janus frees a hung-up handle's pending
// trickles.
func (h *handle) endDiscardedLocked(reason string) bool {
	ps := h.unended
	if ps == nil {
		return false
	}
	h.unended = nil
	h.pending = nil
	return ps.peer.HangupDiscarded(reason)
}

// detach closes the PeerConnection, destroys the plugin session and emits
// the handle event; notify pushes "detached" to the client.
func (h *handle) detach(notify bool) {
	h.mu.Lock()
	if !h.markDetached() {
		h.mu.Unlock()
		return
	}
	ps, hanging := h.pc, h.hanging
	h.pc = nil
	h.pending = nil
	ended := h.endDiscardedLocked("Detach") // before "detached", as a live one's
	h.mu.Unlock()
	if ended {
		h.log.Info("PeerConnection of a refused first offer hung up", "reason", "Detach")
	}
	if hanging != nil {
		// Its Hangup took it off the handle and is still telling the
		// plugin and the client: that comes before Destroy and "detached".
		awaitPeer(hanging.peer)
	}
	if ps != nil {
		ps.peer.Close("Detach")
		awaitPeer(ps.peer)
		h.plugSess().Hangup()
	}
	h.plugSess().Destroy()
	// The event before the push, as in Janus: a client that destroys its
	// session the moment it reads "detached" must not have the session's
	// "destroyed" event come before its handle's "detached".
	h.log.Info("handle detached")
	h.g.emitHandle(h, "detached")
	if notify {
		h.sess.push(mustJSON(h.base("detached", "")))
	}
}

// markDetached marks the handle detached and ends the waits on it (h.mu
// held); false if it already was.
func (h *handle) markDetached() bool {
	if h.detached {
		return false
	}
	h.detached = true
	close(h.gone)
	return true
}

// peerDoneWait bounds how long detach waits for a closing Peer's last
// events (its "hangup" and final media reports) before it emits "detached".
const peerDoneWait = 3 * time.Second

// awaitPeer waits, at most peerDoneWait, until peer emitted its last events,
// so that a handle's events keep Janus's teardown order: "hangup", the final
// media reports, then "detached" (and the session's "destroyed" after all
// its handles). A Close that was already under way (hangup request, ICE
// failure) is waited for too, and so is a Hangup under way.
func awaitPeer(peer *webrtc.Peer) {
	t := time.NewTimer(peerDoneWait)
	defer t.Stop()
	select {
	case <-peer.Done():
	case <-t.C:
	}
}

// peerObserver turns one Peer's state changes into Janus API events.
type peerObserver struct {
	h        *handle
	gen      uint64
	released atomic.Bool // the Peer's MaxPeerConnections(PerIP) slots were given back
}

// current reports whether the observed Peer is still the handle's live one.
func (o *peerObserver) current() bool {
	o.h.mu.Lock()
	defer o.h.mu.Unlock()
	return !o.h.detached && o.h.pc != nil && o.h.pc.gen == o.gen
}

// WebRTCUp starts the plugin's media and pushes "webrtcup".
func (o *peerObserver) WebRTCUp() {
	if !o.current() {
		return
	}
	o.h.plugSess().SetupMedia()
	o.h.sess.push(mustJSON(o.h.base("webrtcup", "")))
}

// Media pushes "media" {mid, type, receiving}.
func (o *peerObserver) Media(mid, kind string, receiving bool) {
	if !o.current() {
		return
	}
	o.h.sess.push(mustJSON(o.h.base("media", "").set("mid", mid).set("type", kind).set("receiving", receiving)))
}

// SlowLink pushes "slowlink" {mid, media, uplink, lost}.
func (o *peerObserver) SlowLink(mid, kind string, uplink bool, lost int) {
	if !o.current() {
		return
	}
	o.h.sess.push(mustJSON(o.h.base("slowlink", "").
		set("mid", mid).set("media", kind).set("uplink", uplink).set("lost", lost)))
}

// Hangup pushes "hangup" {reason} and tells the plugin, unless the handle
// is detaching (Janus suppresses the "Detach" notification).
func (o *peerObserver) Hangup(reason string) {
	h := o.h
	// Every Peer's run loop ends with this one call, once pion's
	// PeerConnection is closed: its slot is free again, whatever the
	// handle is doing.
	if o.released.CompareAndSwap(false, true) {
		h.g.releasePeer(h.sess.addr)
	}
	h.mu.Lock()
	ps := h.pc
	live := !h.detached && ps != nil && ps.gen == o.gen
	if live {
		h.pc = nil
		h.hanging = ps
	}
	discarded := false
	if !live && h.hanging != nil && h.hanging.gen == o.gen && h.hanging.discarded {
		// The PeerConnection of a refused first offer (offer.go): its
		// slot is free, so a retry waiting in ensurePeer may go on; the
		// plugin and the client never heard of it.
		ps, discarded = h.hanging, true
		h.hanging = nil
	}
	h.mu.Unlock()
	if discarded {
		close(ps.hungUp)
	}
	if !live {
		return
	}
	defer close(ps.hungUp)
	h.log.Info("PeerConnection hung up", "reason", reason)
	h.plugSess().Hangup()
	h.sess.push(mustJSON(h.base("hangup", "").set("reason", reason)))
	h.mu.Lock()
	if h.hanging == ps {
		h.hanging = nil
	}
	h.mu.Unlock()
}

var (
	_ Handle          = (*handle)(nil)
	_ webrtc.Observer = (*peerObserver)(nil)
)
