// Package telemetry holds the event model shared by the core, the plugins and
// every exporter, and the bus that fans events out to sinks.
//
// An Event is the Janus event-handler header plus a body (janus-reference.md
// section 4.2). It is immutable once emitted: every sink shares the pointer.
package telemetry

import (
	"encoding/json"
	"sync"
	"time"
)

// Type is the Janus event-handler type; each value is one bit of a Mask.
type Type uint32

// Janus event types (janus-reference.md 4.3).
const (
	TypeSession   Type = 1
	TypeHandle    Type = 2
	TypeExternal  Type = 4
	TypeJSEP      Type = 8
	TypeWebRTC    Type = 16
	TypeMedia     Type = 32
	TypePlugin    Type = 64
	TypeTransport Type = 128
	TypeCore      Type = 256
)

// WebRTC subtypes (type 16).
const (
	SubtypeWebRTCICE             = 1
	SubtypeWebRTCLocalCandidate  = 2
	SubtypeWebRTCRemoteCandidate = 3
	SubtypeWebRTCSelectedPair    = 4
	SubtypeWebRTCDTLS            = 5
	SubtypeWebRTCPeerConnection  = 6
)

// Media subtypes (type 32).
const (
	SubtypeMediaState    = 1
	SubtypeMediaSlowLink = 2
	SubtypeMediaReport   = 3
)

// Core subtypes (type 256).
const (
	SubtypeCoreStartup  = 1
	SubtypeCoreShutdown = 2
)

// Event is one state change, shaped like a Janus event-handler event.
//
// Body is the "event" object, in the Go type of its (Type, Subtype) (see
// body.go: SessionBody, ICEBody, MediaReportBody, PluginBody, ...); it must
// marshal to JSON and must not be modified after Emit.
type Event struct {
	Emitter   string
	Type      Type
	Subtype   int
	Timestamp int64 // wall clock, µs since the Unix epoch
	SessionID uint64
	HandleID  uint64
	OpaqueID  string
	Body      any

	// wire is the event's JSON, encoded once for every sink that exports
	// it (JSON). Bus.Emit sets it, before the event reaches any sink, when
	// a JSONSink takes the event; nothing changes it afterwards, so copying
	// an Event by value stays race-free. A copy shares the pointer but not
	// the encoding: wire.owner is the Event it was made for.
	wire *wireCache
}

// wireCache holds one Event's lazily encoded JSON.
type wireCache struct {
	owner *Event
	once  sync.Once
	b     []byte
	err   error
}

// Now returns the current wall clock in µs since the epoch, the unit of
// Event.Timestamp.
func Now() int64 { return time.Now().UnixMicro() }

// header is the wire form; field order follows Janus's sample event handler.
type header struct {
	Emitter   string `json:"emitter"`
	Type      Type   `json:"type"`
	Subtype   int    `json:"subtype,omitempty"`
	Timestamp int64  `json:"timestamp"`
	SessionID uint64 `json:"session_id,omitempty"`
	HandleID  uint64 `json:"handle_id,omitempty"`
	OpaqueID  string `json:"opaque_id,omitempty"`
	Event     any    `json:"event"`
}

// MarshalJSON renders the event exactly as Janus's event handlers do: subtype
// only when > 0, session_id, handle_id and opaque_id only when set.
func (e *Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(header{
		Emitter: e.Emitter, Type: e.Type, Subtype: e.Subtype, Timestamp: e.Timestamp,
		SessionID: e.SessionID, HandleID: e.HandleID, OpaqueID: e.OpaqueID, Event: e.Body,
	})
}

// JSON returns the event's Janus JSON, byte for byte MarshalJSON's (and
// json.Marshal's). An event that a JSONSink takes on a Bus is encoded once,
// by the first sink that asks, and every sink gets the same slice: the
// caller must not modify it. Elsewhere (an event not emitted on a Bus, or a
// copy of one) it is MarshalJSON.
func (e *Event) JSON() ([]byte, error) {
	if w := e.wire; w != nil && w.owner == e {
		w.once.Do(func() { w.b, w.err = e.MarshalJSON() })
		return w.b, w.err
	}
	return e.MarshalJSON()
}

// shareJSON makes JSON encode e once for all its callers; Bus.Emit calls
// it before e reaches any sink.
func (e *Event) shareJSON() {
	if e.wire == nil || e.wire.owner != e {
		e.wire = &wireCache{owner: e}
	}
}

// wireHeader is header with the body left raw for DecodeBody.
type wireHeader struct {
	Emitter   string          `json:"emitter"`
	Type      Type            `json:"type"`
	Subtype   int             `json:"subtype"`
	Timestamp int64           `json:"timestamp"`
	SessionID uint64          `json:"session_id"`
	HandleID  uint64          `json:"handle_id"`
	OpaqueID  string          `json:"opaque_id"`
	Event     json.RawMessage `json:"event"`
}

// UnmarshalJSON parses the Janus wire form; Body becomes the Go type of
// its (type, subtype) (DecodeBody), raw JSON for a kind it does not know.
func (e *Event) UnmarshalJSON(b []byte) error {
	var h wireHeader
	if err := json.Unmarshal(b, &h); err != nil {
		return err
	}
	*e = Event{
		Emitter: h.Emitter, Type: h.Type, Subtype: h.Subtype, Timestamp: h.Timestamp,
		SessionID: h.SessionID, HandleID: h.HandleID, OpaqueID: h.OpaqueID,
		Body: DecodeBody(h.Type, h.Subtype, h.Event),
	}
	return nil
}

// Emitter accepts events. Emit never blocks and takes no context: a sink
// whose queue is full drops the event and counts the drop.
type Emitter interface {
	Emit(e *Event)
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(e *Event)

// Emit calls f(e).
func (f EmitterFunc) Emit(e *Event) { f(e) }

// Discard is an Emitter that drops every event; use it where telemetry is off.
var Discard Emitter = EmitterFunc(func(*Event) {}) //nolint:gochecknoglobals // a stateless value, like io.Discard
