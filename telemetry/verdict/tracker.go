package verdict

import (
	"slices"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// Thresholds are the limits of the poor-quality rule (doc.go).
type Thresholds struct {
	LossPct  float64 // loss in either direction, percent
	JitterMs float64 // mean jitter
	RTTMs    int64   // median round-trip time
}

// DefaultThresholds are the documented defaults (doc.go gives the reasons).
func DefaultThresholds() Thresholds {
	return Thresholds{LossPct: 3, JitterMs: 30, RTTMs: 300}
}

// Limits bound what a Tracker keeps: every map and list it holds is fed by
// clients (sessions, handles, m-lines, candidates).
type Limits struct {
	Sessions          int // sessions tracked at once; more are not judged
	HandlesPerSession int
	MediaPerPC        int
	RTTSamples        int // kept per medium for the median
}

// DefaultLimits fit a busy node: 10,000 live sessions of a few handles.
func DefaultLimits() Limits {
	return Limits{Sessions: 10000, HandlesPerSession: 64, MediaPerPC: 16, RTTSamples: 64}
}

// FinalReportGrace is how long (in event time) a hung-up PeerConnection
// waits for its final media report before it is judged, when nothing else
// (detach, a new PeerConnection, the session's end) closes it first.
const FinalReportGrace int64 = 2_000_000 // µs

// Tracker follows sessions through their events and returns their verdicts.
// It is not safe for concurrent use: one goroutine (a sink's) feeds it.
type Tracker struct {
	th       Thresholds
	lim      Limits
	sessions map[uint64]*sessionState
	// hungUp lists hung-up PeerConnections in hangup order, so expire
	// looks at the oldest only; entries judged meanwhile are skipped.
	hungUp []pendingPC
	// Untracked counts sessions not judged because Limits.Sessions was
	// reached.
	Untracked uint64
}

// NewTracker returns a Tracker with the given thresholds and limits.
func NewTracker(th Thresholds, lim Limits) *Tracker {
	return &Tracker{th: th, lim: lim, sessions: map[uint64]*sessionState{}}
}

// pendingPC names a hung-up PeerConnection waiting for its final report.
type pendingPC struct {
	session, handle uint64
	pc              *pcState
}

type sessionState struct {
	id      uint64
	created int64 // µs; the first event seen when "created" was missed
	firstUp int64 // first webrtcup, 0 if none
	handles map[uint64]*handleState
	// gone lists the last maxGone handles forgotten after their detach,
	// so that a late event of one does not bring it back.
	gone []uint64
	sum  Summary // accumulated as its PeerConnections are judged
}

// maxGone bounds sessionState.gone. A late event trails its handle's
// detach by little, so the last few detached handles are enough.
const maxGone = 16

// forget drops the detached handle id and remembers it in gone.
func (s *sessionState) forget(id uint64) {
	delete(s.handles, id)
	if len(s.gone) == maxGone {
		s.gone = slices.Delete(s.gone, 0, 1)
	}
	s.gone = append(s.gone, id)
}

type handleState struct {
	id       uint64
	opaque   string
	pc       *pcState // the current or hung-up PeerConnection, nil if none
	detached bool     // forgotten once its PeerConnection is judged
}

// Observe feeds one event and returns the verdicts it completes, in the
// order they must be emitted (PeerConnections before their session).
func (t *Tracker) Observe(e *telemetry.Event) []Verdict {
	out := t.expire(e.Timestamp)
	if e.SessionID == 0 {
		return out
	}
	body := e.Typed()
	if isVerdict(body) {
		return out
	}
	s := t.session(e)
	if s == nil {
		return out
	}
	switch b := body.(type) {
	case telemetry.SessionBody:
		switch name := b.Name; name {
		case "created":
			s.created = e.Timestamp
		case "destroyed", "timeout":
			out = append(out, t.endSession(s, name, e.Timestamp)...)
		}
		return out
	case telemetry.HandleBody:
		if b.Name == "detached" {
			if h := s.handles[e.HandleID]; h != nil {
				h.detached = true
				// A PeerConnection that ended on its own is judged now; one
				// the detach closes (its hangup, reason "Detach", may come
				// before or after this event) waits: if the session times
				// out right after, the client vanished.
				if h.pc != nil && h.pc.hungUp != 0 && h.pc.reason != reasonDetach {
					out = t.judgePC(out, s, h, e.Timestamp, false)
				}
				if h.pc == nil {
					s.forget(e.HandleID)
				}
			}
		}
		return out
	}
	h := t.handle(s, e)
	if h == nil {
		return out
	}
	switch b := body.(type) {
	case telemetry.JSEPBody:
		if h.detached || (h.pc != nil && h.pc.hungUp != 0 && h.pc.reason == reasonDetach) {
			// The detach ended the handle: a JSEP after it (a plugin's
			// renegotiation that raced the detach) starts no PeerConnection.
			return out
		}
		if h.pc != nil && h.pc.hungUp != 0 {
			out = t.judgePC(out, s, h, e.Timestamp, false)
		}
		if h.pc == nil {
			h.pc = newPC(e.Timestamp, t.lim)
		}
		h.pc.jsep(b)
	case telemetry.MediaReportBody:
		if h.pc != nil {
			h.pc.report(&b)
		}
	case telemetry.MediaReports:
		if h.pc != nil {
			for i := range b {
				h.pc.report(&b[i])
			}
		}
	default:
		if e.Type == telemetry.TypeWebRTC && h.pc != nil {
			wasUp := h.pc.hungUp != 0
			if h.pc.webrtc(body, e.Timestamp) && s.firstUp == 0 {
				s.firstUp = e.Timestamp
			}
			if !wasUp && h.pc.hungUp != 0 {
				t.hungUp = append(t.hungUp, pendingPC{session: s.id, handle: h.id, pc: h.pc})
			}
		}
	}
	return out
}

// Flush judges everything still open (at shutdown) and forgets it.
func (t *Tracker) Flush(now int64) []Verdict {
	var out []Verdict
	for _, s := range t.sessions {
		out = append(out, t.endSession(s, "shutdown", now)...)
	}
	return out
}

// expire judges hung-up PeerConnections whose grace has passed.
func (t *Tracker) expire(now int64) []Verdict {
	var out []Verdict
	for len(t.hungUp) > 0 && now-t.hungUp[0].pc.hungUp >= FinalReportGrace {
		p := t.hungUp[0]
		t.hungUp = t.hungUp[1:]
		s := t.sessions[p.session]
		if s == nil {
			continue
		}
		if h := s.handles[p.handle]; h != nil && h.pc == p.pc {
			out = t.judgePC(out, s, h, now, false)
		}
	}
	return out
}

func (t *Tracker) session(e *telemetry.Event) *sessionState {
	if s := t.sessions[e.SessionID]; s != nil {
		return s
	}
	if len(t.sessions) >= t.lim.Sessions {
		t.Untracked++
		return nil
	}
	s := &sessionState{id: e.SessionID, created: e.Timestamp, handles: map[uint64]*handleState{}}
	t.sessions[e.SessionID] = s
	return s
}

func (t *Tracker) handle(s *sessionState, e *telemetry.Event) *handleState {
	if e.HandleID == 0 {
		return nil
	}
	if h := s.handles[e.HandleID]; h != nil {
		return h
	}
	if slices.Contains(s.gone, e.HandleID) {
		return nil // a late event of a detached handle
	}
	if len(s.handles) >= t.lim.HandlesPerSession {
		return nil
	}
	h := &handleState{id: e.HandleID, opaque: e.OpaqueID}
	s.handles[e.HandleID] = h
	return h
}

// judgePC closes h's PeerConnection and appends its verdict to out, unless
// the gateway never gave it an SDP (doc.go). timedOut says the session
// timed out while (or right after) it was up.
func (t *Tracker) judgePC(out []Verdict, s *sessionState, h *handleState, now int64, timedOut bool) []Verdict {
	pc := h.pc
	h.pc = nil
	if h.detached {
		s.forget(h.id)
	}
	if !pc.local {
		return out // never answered: not a call (doc.go)
	}
	ev := pc.evidence(now)
	o, findings := judge(ev, t.th, timedOut)
	s.sum.add(ev, o)
	return append(out, Verdict{
		Scope: ScopePeerConnection, Outcome: o, Findings: findings, PeerConnection: ev,
		SessionID: s.id, HandleID: h.id, OpaqueID: h.opaque, Timestamp: now,
	})
}

// endSession judges every PeerConnection of s, then s, and forgets it.
func (t *Tracker) endSession(s *sessionState, end string, now int64) []Verdict {
	var out []Verdict
	for _, h := range s.handles {
		if h.pc == nil {
			continue
		}
		// A PeerConnection closed by the session's own teardown (reason
		// "Detach") or still up when the session timed out was dropped.
		timedOut := end == "timeout" && (h.pc.hungUp == 0 || h.pc.reason == reasonDetach)
		out = t.judgePC(out, s, h, now, timedOut)
	}
	delete(t.sessions, s.id)
	out = append(out, s.verdict(end, now))
	return out
}

// isVerdict tells a verdict event (ours) apart from other external events.
func isVerdict(body any) bool {
	switch b := body.(type) {
	case Body:
		return true
	case telemetry.ExternalBody:
		return strings.HasPrefix(b.Schema, "argus.")
	}
	return false
}
