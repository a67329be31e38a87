package core

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/argusrtc/argus/core/webrtc"
)

// apiTrickle handles "trickle" (janus-reference.md 1.3 trickle): candidates
// go to the PeerConnection, or are queued until one exists; always "ack".
func (g *Gateway) apiTrickle(r *janusReq) []byte {
	cand, hasC := r.m["candidate"]
	cands, hasCs := r.m["candidates"]
	switch {
	case hasC && hasCs:
		return r.fail(apiErr(CodeInvalidJSON, "Can't have both candidate and candidates"))
	case !hasC && !hasCs:
		return r.fail(apiErr(CodeMissingMandatory, "Missing mandatory element (candidate|candidates)"))
	}
	var list []any
	if hasCs {
		a, ok := cands.([]any)
		if !ok {
			return r.fail(apiErr(CodeInvalidElementType, "Invalid element type (candidates should be an array)"))
		}
		list = a
	}
	h := r.h
	now := time.Now()
	h.mu.Lock()
	ps := h.pc
	if ps == nil || ps.closing {
		if hasC {
			list = []any{cand}
		}
		n := len(list)
		if limit := h.g.cfg.Limits.MaxPendingTrickles; limit > 0 {
			n = min(n, limit) // the others cannot fit
		}
		items := make([]pendingTrickle, n)
		for i, v := range list[:n] {
			items[i] = pendingTrickle{at: now, cand: v}
		}
		dropped := h.queueTricklesLocked(now, items...) + len(list) - n
		h.g.refused(LimitTrickles, len(list)-n)
		h.mu.Unlock()
		if dropped > 0 {
			return r.fail(apiErr(CodeUnknown, "Too many pending trickles (limit %d)", h.g.cfg.Limits.MaxPendingTrickles))
		}
		return mustJSON(r.reply("ack"))
	}
	h.mu.Unlock()
	if hasC {
		c, e := parseCandidate(cand)
		if e != nil {
			return r.fail(e)
		}
		h.addCandidate(ps, pendingTrickle{at: now, cand: cand}, c)
	}
	for _, v := range list {
		if c, e := parseCandidate(v); e == nil {
			h.addCandidate(ps, pendingTrickle{at: now, cand: v}, c)
		}
	}
	return mustJSON(r.reply("ack"))
}

// withUfrag returns t with its ufrag set, unless it has one: the one the
// candidate names, else fallback.
func (t pendingTrickle) withUfrag(fallback string) pendingTrickle {
	if t.ufrag == "" {
		t.ufrag = explicitUfrag(t.cand)
	}
	if t.ufrag == "" {
		t.ufrag = fallback
	}
	return t
}

// explicitUfrag is the ICE ufrag a trickled candidate names: its
// "usernameFragment" (the W3C RTCIceCandidateInit member), else the ufrag
// extension of its candidate line (browsers write one); "" if neither.
func explicitUfrag(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if u, ok := m["usernameFragment"].(string); ok && u != "" {
		return u
	}
	if line, ok := m["candidate"].(string); ok {
		return webrtc.CandidateUfrag(line)
	}
	return ""
}

// addCandidate gives a candidate to ps's Peer and notes it for a retry
// (keepLocked); one refused because the Peer is closing is queued for the
// next PeerConnection. One the Peer cannot take is dropped, as Janus drops
// a candidate it fails to add (the trickle is still acknowledged); one
// beyond webrtc.MaxRemoteCandidates is counted.
func (h *handle) addCandidate(ps *peerState, t pendingTrickle, c webrtc.Candidate) {
	err := ps.peer.AddCandidate(c)
	switch {
	case err == nil:
		h.mu.Lock()
		h.keepLocked(ps, t, c)
		h.mu.Unlock()
	case errors.Is(err, webrtc.ErrClosed):
		h.mu.Lock()
		if ps.discarded {
			t = t.withUfrag(ps.ufrag)
		}
		h.queueTricklesLocked(time.Now(), t)
		h.mu.Unlock()
	default:
		h.candidateRefused(err)
	}
}

// keepLocked notes a candidate ps took (t, validated as c) while its
// first offer can still be refused, for the PeerConnection that would
// replace it (offer.go), within Limits.MaxPendingTrickles (or, with that
// limit off, webrtc.MaxRemoteCandidates: no PeerConnection takes more);
// once ps was discarded, the candidate is queued for that one at once.
// What is kept is the candidate alone (keptCandidate), not the client's
// whole object. h.mu is held.
func (h *handle) keepLocked(ps *peerState, t pendingTrickle, c webrtc.Candidate) {
	limit := h.g.cfg.Limits.MaxPendingTrickles
	if limit <= 0 {
		limit = webrtc.MaxRemoteCandidates
	}
	switch {
	case ps.settled:
	case ps.discarded:
		h.queueTricklesLocked(time.Now(), keptCandidate(t.withUfrag(ps.ufrag), c))
	case len(ps.trickled) >= limit:
		ps.unkept++
	default:
		ps.trickled = append(ps.trickled, keptCandidate(t.withUfrag(""), c))
	}
}

// keptCandidate is t with its candidate object replaced by the members of
// c, the candidate validated from it (its ufrag already read): extra
// members a client added to its object are not kept with it.
func keptCandidate(t pendingTrickle, c webrtc.Candidate) pendingTrickle {
	if c.Completed {
		t.cand = map[string]any{"completed": true}
		return t
	}
	m := map[string]any{"candidate": c.Candidate}
	if c.SDPMid != nil {
		m["sdpMid"] = *c.SDPMid
	}
	if c.SDPMLineIndex != nil {
		m["sdpMLineIndex"] = json.Number(strconv.Itoa(int(*c.SDPMLineIndex))) // as the request decoder gives numbers
	}
	t.cand = m
	return t
}

// settleLocked notes that ps's first negotiation was answered: no refusal
// discards it any more, so the candidates it took need not be kept. h.mu
// is held.
func (h *handle) settleLocked(ps *peerState) {
	ps.settled = true
	ps.trickled, ps.unkept = nil, 0
}

// passTricklesLocked queues the candidates ps took, ahead of any queued
// meanwhile, for the PeerConnection of the client's next offer, as ps is
// discarded with its refused first offer. Those naming no ufrag get the
// refused offer's, so that a next offer of another ICE session does not
// get them (flushTrickles); all count the candidates timeout from now,
// as the PeerConnection held them until now. The queue keeps its bound:
// what does not fit, and what ps took beyond it, is dropped and counted.
// h.mu is held.
func (h *handle) passTricklesLocked(ps *peerState) {
	kept, dropped := ps.trickled, ps.unkept
	ps.trickled, ps.unkept = nil, 0
	now := time.Now()
	for i := range kept {
		kept[i] = kept[i].withUfrag(ps.ufrag)
		kept[i].at = now
	}
	all := append(kept, h.pending...)
	if limit := h.g.cfg.Limits.MaxPendingTrickles; limit > 0 && len(all) > limit {
		dropped += len(all) - limit
		clear(all[limit:])
		all = all[:limit]
	}
	h.pending = all
	h.g.refused(LimitTrickles, dropped)
	if len(kept) > 0 {
		h.log.Debug("candidates of a refused first offer kept for the next one", "count", len(kept), "ufrag", ps.ufrag)
	}
}

// candidateRefused logs a candidate the Peer refused, counting one beyond
// webrtc.MaxRemoteCandidates.
func (h *handle) candidateRefused(err error) {
	if errors.Is(err, webrtc.ErrTooManyCandidates) {
		h.g.refused(LimitRemoteCandidates, 1)
	}
	h.log.Debug("remote candidate refused", "error", err)
}

// queueTricklesLocked queues candidates for the next PeerConnection within
// Limits.MaxPendingTrickles, first dropping queued ones older than the
// candidates timeout (flushTrickles would drop them anyway). It returns how
// many of cands did not fit; every drop is counted. h.mu is held.
func (h *handle) queueTricklesLocked(now time.Time, cands ...pendingTrickle) int {
	stale := 0
	for stale < len(h.pending) && now.Sub(h.pending[stale].at) > h.g.cfg.CandidatesTimeout {
		stale++
	}
	if stale > 0 {
		h.pending = append(h.pending[:0], h.pending[stale:]...)
		h.g.refused(LimitStaleICE, stale)
	}
	room := len(cands)
	if limit := h.g.cfg.Limits.MaxPendingTrickles; limit > 0 {
		room = max(0, min(room, limit-len(h.pending)))
	}
	for _, c := range cands[:room] {
		h.pending = append(h.pending, c.withUfrag(""))
	}
	dropped := len(cands) - room
	h.g.refused(LimitTrickles, dropped)
	return dropped
}

// flushTrickles gives queued candidates to the new PeerConnection ps,
// dropping those older than the candidates timeout and, when ufrag (that
// of the client offer ps is made for) is known, those of another ICE
// session: a ufrag of their own or of a refused offer that differs (a new
// ufrag is a new ICE session, an ICE restart: RFC 8445 section 9).
func (h *handle) flushTrickles(ps *peerState, pending []pendingTrickle, ufrag string) {
	other := 0
	for _, q := range pending {
		if time.Since(q.at) > h.g.cfg.CandidatesTimeout {
			h.log.Debug("dropping a stale queued candidate", "age", time.Since(q.at))
			h.g.refused(LimitStaleICE, 1)
			continue
		}
		if ufrag != "" && q.ufrag != "" && q.ufrag != ufrag {
			other++
			continue
		}
		if c, e := parseCandidate(q.cand); e == nil {
			h.addCandidate(ps, q, c)
		}
	}
	if other > 0 {
		h.log.Debug("queued candidates of another ICE session dropped", "count", other, "ufrag", ufrag)
	}
}

// parseCandidate validates one trickled candidate; a non-object or an
// object with "completed" is end-of-candidates.
func parseCandidate(v any) (webrtc.Candidate, *APIError) {
	m, ok := v.(map[string]any)
	if !ok {
		return webrtc.Candidate{Completed: true}, nil
	}
	if _, done := m["completed"]; done {
		return webrtc.Candidate{Completed: true}, nil
	}
	f := fields{m: m}
	var c webrtc.Candidate
	mid, hasMid, e := f.str("sdpMid", false)
	if e != nil {
		return c, e
	}
	idx, hasIdx, e := f.integer("sdpMLineIndex", false, true)
	if e != nil || idx > 65535 {
		return c, invalid("", "sdpMLineIndex", "a positive integer")
	}
	if !hasMid && !hasIdx {
		return c, missing("", "sdpMid|sdpMLineIndex")
	}
	cand, _, e := f.str("candidate", true)
	if e != nil {
		return c, e
	}
	if hasMid {
		c.SDPMid = &mid
	}
	if hasIdx {
		u := uint16(idx)
		c.SDPMLineIndex = &u
	}
	c.Candidate = cand
	return c, nil
}
