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
}

// session is one session's timeline and what it learned from it.
type session struct {
	sum    SessionSummary
	events ring
	elem   *list.Element // in Store.live or Store.ended
	feeds  []string      // feed keys (see feedKey) that point at this session
}

func (s *session) add(e *telemetry.Event) {
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
	if p := pluginOf(e); p != "" && !slices.Contains(s.sum.Plugins, p) {
		s.sum.Plugins = append(s.sum.Plugins, p)
	}
}

func (s *session) summary() SessionSummary {
	sum := s.sum
	// Non-nil copies: the JSON shows [] rather than null.
	sum.Handles = append([]uint64{}, sum.Handles...)
	sum.Plugins = append([]string{}, sum.Plugins...)
	sum.OpaqueIDs = append([]string{}, sum.OpaqueIDs...)
	sum.Kept = s.events.n
	return sum
}

// bodyFields are the body keys the store reads: session "name", handle
// and plugin events' "plugin", and plugin data's "room" and "id".
type bodyFields struct {
	Name   string     `json:"name"`
	Plugin string     `json:"plugin"`
	Data   pluginData `json:"data"`
}

// pluginData identifies a VideoRoom participant: room and feed id. Both
// may be numbers or strings (string_room_ids), so they stay raw.
type pluginData struct {
	Room json.RawMessage `json:"room"`
	ID   json.RawMessage `json:"id"`
}

// feedKey names a participant across events, "" when e has none. VideoRoom
// events such as unpublished or leaving carry no handle
// (janus-reference.md 6.7); the key files them under the session that
// joined as that participant.
func feedKey(e *telemetry.Event) string {
	if e.Type != telemetry.TypePlugin {
		return ""
	}
	f := fields(e.Body)
	if f.Plugin == "" || len(f.Data.Room) == 0 || len(f.Data.ID) == 0 {
		return ""
	}
	return f.Plugin + "|" + string(f.Data.Room) + "|" + string(f.Data.ID)
}

// fields reads name and plugin from a body of any shape. Only type 1, 2
// and 64 events get here, all rare next to media reports.
func fields(body any) bodyFields {
	switch b := body.(type) {
	case nil:
		return bodyFields{}
	case telemetry.PluginBody:
		return bodyFields{Plugin: b.Plugin, Data: dataOf(b.Data)}
	case *telemetry.PluginBody:
		return bodyFields{Plugin: b.Plugin, Data: dataOf(b.Data)}
	case map[string]any:
		n, _ := b["name"].(string)
		p, _ := b["plugin"].(string)
		return bodyFields{Name: n, Plugin: p, Data: dataOf(b["data"])}
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

func pluginOf(e *telemetry.Event) string {
	if e.Type != telemetry.TypeHandle && e.Type != telemetry.TypePlugin {
		return ""
	}
	return fields(e.Body).Plugin
}

// endOf returns "destroyed" or "timeout" when e ends its session.
func endOf(e *telemetry.Event) string {
	if e.Type != telemetry.TypeSession {
		return ""
	}
	switch n := fields(e.Body).Name; n {
	case "destroyed", "timeout":
		return n
	}
	return ""
}
