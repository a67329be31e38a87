package core

import (
	"errors"
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
	h.mu.Lock()
	ps := h.pc
	if ps == nil || ps.closing {
		if hasC {
			list = []any{cand}
		}
		dropped := h.queueTricklesLocked(time.Now(), list...)
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
		h.addCandidate(ps.peer, cand, c)
	}
	for _, v := range list {
		if c, e := parseCandidate(v); e == nil {
			h.addCandidate(ps.peer, v, c)
		}
	}
	return mustJSON(r.reply("ack"))
}

// addCandidate gives a candidate to the Peer; one refused because the Peer
// is closing is queued for the next PeerConnection. One the Peer cannot
// take is dropped, as Janus drops a candidate it fails to add (the
// trickle is still acknowledged); one beyond webrtc.MaxRemoteCandidates is
// counted.
func (h *handle) addCandidate(p *webrtc.Peer, raw any, c webrtc.Candidate) {
	err := p.AddCandidate(c)
	switch {
	case err == nil:
	case errors.Is(err, webrtc.ErrClosed):
		h.mu.Lock()
		h.queueTricklesLocked(time.Now(), raw)
		h.mu.Unlock()
	default:
		h.candidateRefused(err)
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
func (h *handle) queueTricklesLocked(now time.Time, cands ...any) int {
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
		h.pending = append(h.pending, pendingTrickle{at: now, cand: c})
	}
	dropped := len(cands) - room
	h.g.refused(LimitTrickles, dropped)
	return dropped
}

// flushTrickles applies queued candidates, dropping those older than the
// candidates timeout.
func (h *handle) flushTrickles(p *webrtc.Peer, pending []pendingTrickle) {
	for _, q := range pending {
		if time.Since(q.at) > h.g.cfg.CandidatesTimeout {
			h.log.Debug("dropping a stale queued candidate", "age", time.Since(q.at))
			h.g.refused(LimitStaleICE, 1)
			continue
		}
		if c, e := parseCandidate(q.cand); e == nil {
			if err := p.AddCandidate(c); err != nil {
				h.candidateRefused(err)
			}
		}
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
