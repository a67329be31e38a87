package history

import (
	"container/list"
	"slices"

	"github.com/argusrtc/argus/telemetry"
)

// SessionSummary describes one session in the store.
type SessionSummary struct {
	SessionID uint64   `json:"session_id"`
	Emitter   string   `json:"emitter,omitempty"` // the gateway (server name) the session lives on
	First     int64    `json:"first_timestamp"`   // µs since the epoch
	Last      int64    `json:"last_timestamp"`
	Ended     bool     `json:"ended"`
	EndReason string   `json:"end_reason,omitempty"` // "destroyed" or "timeout"
	Handles   []uint64 `json:"handles"`
	Plugins   []string `json:"plugins"`
	OpaqueIDs []string `json:"opaque_ids"`
	// Handles and OpaqueIDs keep the first maxSummaryIDs; the drops count
	// the handles seen past that (a handle whose opaque_id was not listed,
	// for OpaqueIDsDropped).
	HandlesDropped   int `json:"handles_dropped,omitempty"`
	OpaqueIDsDropped int `json:"opaque_ids_dropped,omitempty"`
	Events           int `json:"events"` // events seen, including any no longer kept
	Kept             int `json:"kept"`   // events kept (the last MaxEventsPerSession)
	// KeptBytes estimates the kept events' size (their JSON); Trimmed
	// counts the events dropped to keep it within MaxBytesPerSession.
	KeptBytes int `json:"kept_bytes"`
	Trimmed   int `json:"trimmed,omitempty"`

	// Derived from the events (derive.go).
	State     string   `json:"state"`             // end reason, else connected, hangup or live
	Display   string   `json:"display,omitempty"` // first VideoRoom display name
	Rooms     []string `json:"rooms"`             // rooms joined (ids as text)
	Address   string   `json:"address,omitempty"` // client ip[:port] of the "created" request
	Transport string   `json:"transport,omitempty"`
	TraceID   string   `json:"trace_id,omitempty"` // OpenTelemetry trace id (Config.TraceID)
	HomerCID  string   `json:"homer_cid"`          // Homer correlation id (Config.HomerCorrelation)
	// Verdict is the session's verdict outcome (telemetry/verdict), or,
	// before the session ends, the first PeerConnection verdict that is
	// not "ok"; Findings are its findings.
	Verdict  string   `json:"verdict,omitempty"`
	Findings []string `json:"verdict_findings,omitempty"`
}

// session is one session's timeline and what it learned from it.
type session struct {
	sum    SessionSummary
	events ring
	elem   *list.Element // in Store.live or Store.ended
	feeds  []string      // feed keys (see feedKey) that point at this session
	// mapped are the handles whose session-less events are filed here,
	// the last maxMappedHandles seen (Store.handles points them here).
	mapped []uint64
	next   int             // oldest entry of mapped once full
	pcs    map[uint64]bool // handle → PeerConnection up, bounded by maxParticipants
	parts  []Participant   // room participants, bounded by maxParticipants
	// sessionVerdict is set once the session's own verdict arrived.
	sessionVerdict bool
}

// add files e; newHandle is set when e is the first event of its handle
// in this session (as far as the last maxMappedHandles tell).
func (s *session) add(e *telemetry.Event, f *bodyFields, newHandle bool, size int) {
	if s.sum.Events == 0 {
		s.sum.First = e.Timestamp
	}
	if s.sum.Emitter == "" {
		s.sum.Emitter = e.Emitter
	}
	s.sum.Events++
	s.sum.Last = max(s.sum.Last, e.Timestamp)
	s.events.push(e, size)
	if e.HandleID != 0 && !slices.Contains(s.sum.Handles, e.HandleID) {
		if len(s.sum.Handles) < maxSummaryIDs {
			s.sum.Handles = append(s.sum.Handles, e.HandleID)
		} else if newHandle {
			s.sum.HandlesDropped++
		}
	}
	if e.OpaqueID != "" && !slices.Contains(s.sum.OpaqueIDs, e.OpaqueID) {
		if len(s.sum.OpaqueIDs) < maxSummaryIDs {
			s.sum.OpaqueIDs = append(s.sum.OpaqueIDs, e.OpaqueID)
		} else if newHandle {
			s.sum.OpaqueIDsDropped++
		}
	}
	if p := pluginOf(e, f); p != "" && !slices.Contains(s.sum.Plugins, p) {
		s.sum.Plugins = append(s.sum.Plugins, p)
	}
	s.learn(e, f)
}

// mapHandle records that handle h's session-less events belong here and
// returns the handle that no longer does (0 if none): the oldest, once
// maxMappedHandles are mapped.
func (s *session) mapHandle(h uint64) uint64 {
	if len(s.mapped) < maxMappedHandles {
		s.mapped = append(s.mapped, h)
		return 0
	}
	old := s.mapped[s.next]
	s.mapped[s.next] = h
	s.next = (s.next + 1) % len(s.mapped)
	return old
}

func (s *session) summary() SessionSummary {
	sum := s.sum
	// Non-nil copies: the JSON shows [] rather than null.
	sum.Handles = append([]uint64{}, sum.Handles...)
	sum.Plugins = append([]string{}, sum.Plugins...)
	sum.OpaqueIDs = append([]string{}, sum.OpaqueIDs...)
	sum.Rooms = append([]string{}, sum.Rooms...)
	sum.Findings = append([]string(nil), sum.Findings...)
	sum.Kept, sum.KeptBytes, sum.Trimmed = s.events.n, s.events.bytes, s.events.trimmed
	sum.State = s.state()
	return sum
}

// bodyFields are what the store reads of a body: a session's or handle's
// name, a "created" session's transport, the plugin of handle and plugin
// events, and VideoRoom data (room and feed id identify a participant;
// event, display and streams follow it, derive.go).
type bodyFields struct {
	Name      string
	Plugin    string
	Data      telemetry.VideoRoomData
	Transport *telemetry.SessionTransport
}

// feedKey names a participant across events, "" when e has none. VideoRoom
// events such as unpublished or leaving carry no handle
// (janus-reference.md 6.7); the key files them under the session that
// joined as that participant.
func feedKey(e *telemetry.Event, f *bodyFields) string {
	if e.Type != telemetry.TypePlugin {
		return ""
	}
	if f.Plugin == "" || f.Data.Room.IsZero() || f.Data.ID.IsZero() {
		return ""
	}
	return f.Plugin + "|" + f.Data.Room.Key() + "|" + f.Data.ID.Key()
}

// needsFields reports whether the store reads e's body (fields): types 1,
// 2 and 64, all rare next to media reports.
func needsFields(e *telemetry.Event) bool {
	switch e.Type {
	case telemetry.TypeSession, telemetry.TypeHandle, telemetry.TypePlugin:
		return true
	}
	return false
}

// fields reads name, plugin and VideoRoom data from e's body.
func fields(e *telemetry.Event) bodyFields {
	switch b := e.Typed().(type) {
	case telemetry.SessionBody:
		return bodyFields{Name: b.Name, Transport: b.Transport}
	case telemetry.HandleBody:
		return bodyFields{Name: b.Name, Plugin: b.Plugin}
	case telemetry.PluginBody:
		d, _ := b.Data.(telemetry.VideoRoomData) // other plugins' data has no room
		return bodyFields{Plugin: b.Plugin, Data: d}
	}
	return bodyFields{}
}

func pluginOf(e *telemetry.Event, f *bodyFields) string {
	if e.Type != telemetry.TypeHandle && e.Type != telemetry.TypePlugin {
		return ""
	}
	return f.Plugin
}

// endOf returns "destroyed" or "timeout" when e ends its session.
func endOf(e *telemetry.Event, f *bodyFields) string {
	if e.Type != telemetry.TypeSession {
		return ""
	}
	switch n := f.Name; n {
	case "destroyed", "timeout":
		return n
	}
	return ""
}
