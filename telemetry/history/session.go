package history

import (
	"container/list"
	"encoding/json"
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
	Events    int      `json:"events"` // events seen, including any no longer kept
	Kept      int      `json:"kept"`   // events kept (the last MaxEventsPerSession)

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
	elem   *list.Element   // in Store.live or Store.ended
	feeds  []string        // feed keys (see feedKey) that point at this session
	pcs    map[uint64]bool // handle → PeerConnection up, bounded by maxParticipants
	parts  []Participant   // room participants, bounded by maxParticipants
	// sessionVerdict is set once the session's own verdict arrived.
	sessionVerdict bool
}

func (s *session) add(e *telemetry.Event, f *bodyFields) {
	if s.sum.Events == 0 {
		s.sum.First = e.Timestamp
	}
	if s.sum.Emitter == "" {
		s.sum.Emitter = e.Emitter
	}
	s.sum.Events++
	s.sum.Last = max(s.sum.Last, e.Timestamp)
	s.events.push(e)
	if e.HandleID != 0 && !slices.Contains(s.sum.Handles, e.HandleID) {
		s.sum.Handles = append(s.sum.Handles, e.HandleID)
	}
	if e.OpaqueID != "" && !slices.Contains(s.sum.OpaqueIDs, e.OpaqueID) {
		s.sum.OpaqueIDs = append(s.sum.OpaqueIDs, e.OpaqueID)
	}
	if p := pluginOf(e, f); p != "" && !slices.Contains(s.sum.Plugins, p) {
		s.sum.Plugins = append(s.sum.Plugins, p)
	}
	s.learn(e, f)
}

func (s *session) summary() SessionSummary {
	sum := s.sum
	// Non-nil copies: the JSON shows [] rather than null.
	sum.Handles = append([]uint64{}, sum.Handles...)
	sum.Plugins = append([]string{}, sum.Plugins...)
	sum.OpaqueIDs = append([]string{}, sum.OpaqueIDs...)
	sum.Rooms = append([]string{}, sum.Rooms...)
	sum.Findings = append([]string(nil), sum.Findings...)
	sum.Kept = s.events.n
	sum.State = s.state()
	return sum
}

// bodyFields are the body keys the store reads: session "name" and
// "transport", handle and plugin events' "plugin", and plugin data.
type bodyFields struct {
	Name      string              `json:"name"`
	Plugin    string              `json:"plugin"`
	Data      pluginData          `json:"data"`
	Transport *transportOfSession `json:"transport"`
}

// transportOfSession is a "created" event's {"transport":S,"id":S}.
type transportOfSession struct {
	Transport string `json:"transport"`
	ID        string `json:"id"`
}

// pluginData identifies a VideoRoom participant: room and feed id. Both
// may be numbers or strings (string_room_ids), so they stay raw. Event,
// display and streams follow the participant (derive.go).
type pluginData struct {
	Room    json.RawMessage   `json:"room"`
	ID      json.RawMessage   `json:"id"`
	Event   string            `json:"event"`
	Display string            `json:"display"`
	Streams []json.RawMessage `json:"streams"`
}

// feedKey names a participant across events, "" when e has none. VideoRoom
// events such as unpublished or leaving carry no handle
// (janus-reference.md 6.7); the key files them under the session that
// joined as that participant.
func feedKey(e *telemetry.Event, f *bodyFields) string {
	if e.Type != telemetry.TypePlugin {
		return ""
	}
	if f.Plugin == "" || len(f.Data.Room) == 0 || len(f.Data.ID) == 0 {
		return ""
	}
	return f.Plugin + "|" + string(f.Data.Room) + "|" + string(f.Data.ID)
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

// fields reads name, plugin and plugin data from a body of any shape.
func fields(body any) bodyFields {
	switch b := body.(type) {
	case nil:
		return bodyFields{}
	case telemetry.PluginBody:
		return bodyFields{Plugin: b.Plugin, Data: dataOf(b.Data)}
	case *telemetry.PluginBody:
		return bodyFields{Plugin: b.Plugin, Data: dataOf(b.Data)}
	case map[string]any:
		if _, ok := b["transport"]; !ok {
			n, _ := b["name"].(string)
			p, _ := b["plugin"].(string)
			return bodyFields{Name: n, Plugin: p, Data: dataOf(b["data"])}
		}
	}
	var f bodyFields
	if raw, err := json.Marshal(body); err == nil {
		_ = json.Unmarshal(raw, &f) // a body that is not an object has no fields
	}
	return f
}

// dataOf reads room and id from plugin data of any shape.
func dataOf(data any) pluginData {
	var d pluginData
	if data == nil {
		return d
	}
	if raw, err := json.Marshal(data); err == nil {
		_ = json.Unmarshal(raw, &d) // data that is not an object has no room
	}
	return d
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
