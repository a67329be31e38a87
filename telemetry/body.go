package telemetry

import (
	"encoding/json"
	"sync"
)

// Event bodies have one Go type per (type, subtype) (docs/DESIGN.md, "the
// event types"): emitters build them, Event.UnmarshalJSON decodes them by
// (type, subtype), and sinks switch on the Go type. Bodies are values, not
// pointers. A body of a kind this package does not know decodes to
// json.RawMessage.

// ExternalDecoder decodes the data of a type 4 event of one schema into
// the body the schema's package emits.
type ExternalDecoder func(data json.RawMessage) (any, error)

// externalRegistry holds the schemas of type 4 events that have a Go
// type; written in init() functions only, read-only afterwards.
var externalRegistry = struct { //nolint:gochecknoglobals // the external schema registry, written in init
	sync.RWMutex
	m map[string]ExternalDecoder
}{m: map[string]ExternalDecoder{}}

// RegisterExternal makes type 4 events of schema decode through decode;
// call it from the init() of the package that owns the schema (the
// verdict package does for argus.verdict). A duplicate panics.
func RegisterExternal(schema string, decode ExternalDecoder) {
	externalRegistry.Lock()
	defer externalRegistry.Unlock()
	if _, dup := externalRegistry.m[schema]; dup || schema == "" || decode == nil {
		panic("telemetry: RegisterExternal: empty, nil or duplicate schema " + schema)
	}
	externalRegistry.m[schema] = decode
}

func externalDecoder(schema string) ExternalDecoder {
	externalRegistry.RLock()
	defer externalRegistry.RUnlock()
	return externalRegistry.m[schema]
}

// DecodeBody decodes the "event" object of an event of type t and subtype
// sub into its Go type. A body of an unknown kind, or one that does not
// fit its kind's type, comes back as raw JSON.
func DecodeBody(t Type, sub int, raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if b, ok := decodeKnown(t, sub, raw); ok {
		return b
	}
	return raw
}

func decodeKnown(t Type, sub int, raw json.RawMessage) (any, bool) {
	switch t {
	case TypeSession:
		return decodeAs[SessionBody](raw)
	case TypeHandle:
		return decodeAs[HandleBody](raw)
	case TypeExternal:
		return decodeExternal(raw)
	case TypeJSEP:
		return decodeAs[JSEPBody](raw)
	case TypeWebRTC:
		return decodeWebRTC(sub, raw)
	case TypeMedia:
		return decodeMedia(sub, raw)
	case TypePlugin:
		return decodePlugin(raw)
	case TypeTransport:
		return decodeTransport(raw)
	case TypeCore:
		switch sub {
		case SubtypeCoreStartup:
			return decodeAs[CoreStatusBody](raw)
		case SubtypeCoreShutdown:
			return decodeAs[CoreShutdownBody](raw)
		}
	}
	return nil, false
}

func decodeWebRTC(sub int, raw json.RawMessage) (any, bool) {
	switch sub {
	case SubtypeWebRTCICE:
		return decodeAs[ICEBody](raw)
	case SubtypeWebRTCLocalCandidate:
		return decodeAs[LocalCandidateBody](raw)
	case SubtypeWebRTCRemoteCandidate:
		return decodeAs[RemoteCandidateBody](raw)
	case SubtypeWebRTCSelectedPair:
		return decodeAs[SelectedPairBody](raw)
	case SubtypeWebRTCDTLS:
		return decodeAs[DTLSBody](raw)
	case SubtypeWebRTCPeerConnection:
		return decodeAs[PeerConnectionBody](raw)
	}
	return nil, false
}

func decodeMedia(sub int, raw json.RawMessage) (any, bool) {
	switch sub {
	case SubtypeMediaState:
		return decodeAs[MediaStateBody](raw)
	case SubtypeMediaSlowLink:
		return decodeAs[SlowLinkBody](raw)
	case SubtypeMediaReport:
		if raw[0] == '[' {
			return decodeAs[MediaReports](raw)
		}
		return decodeAs[MediaReportBody](raw)
	}
	return nil, false
}

func decodePlugin(raw json.RawMessage) (any, bool) {
	var p struct {
		Plugin string          `json:"plugin"`
		Data   json.RawMessage `json:"data"`
	}
	if !decodeInto(raw, &p) {
		return nil, false
	}
	return PluginBody{Plugin: p.Plugin, Data: pluginData(p.Plugin, p.Data)}, true
}

// pluginData decodes the data of plugin's events: typed for the plugins
// this package knows, raw for the others and for data that does not fit.
func pluginData(plugin string, raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var d any
	ok := false
	switch plugin {
	case PluginEchoTest:
		d, ok = decodeAs[EchoTestData](raw)
	case PluginVideoRoom:
		d, ok = decodeAs[VideoRoomData](raw)
	}
	if !ok {
		return raw
	}
	return d
}

func decodeTransport(raw json.RawMessage) (any, bool) {
	var t struct {
		Transport string          `json:"transport"`
		ID        string          `json:"id"`
		Data      json.RawMessage `json:"data"`
	}
	if !decodeInto(raw, &t) {
		return nil, false
	}
	b := TransportBody{Transport: t.Transport, ID: t.ID}
	if len(t.Data) > 0 && string(t.Data) != "null" {
		if d, ok := decodeAs[TransportData](t.Data); ok {
			b.Data = d
		} else {
			b.Data = t.Data
		}
	}
	return b, true
}

func decodeExternal(raw json.RawMessage) (any, bool) {
	var x ExternalBody
	if !decodeInto(raw, &x) {
		return nil, false
	}
	if dec := externalDecoder(x.Schema); dec != nil {
		if b, err := dec(x.Data); err == nil {
			return b, true
		}
	}
	return x, true
}

// decodeAs decodes an object (or, for MediaReports, an array) into a T.
func decodeAs[T any](raw json.RawMessage) (any, bool) {
	var v T
	if !decodeInto(raw, &v) {
		return nil, false
	}
	return v, true
}

func decodeInto(raw json.RawMessage, v any) bool {
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// Typed returns the event's body in its Go type. Bodies built by Argus's
// emitters, and bodies decoded by UnmarshalJSON, already are and come back
// as they are; a body built another way (a map, a foreign struct: tests,
// third-party plugins' data) takes one JSON round trip through
// DecodeBody. Sinks call it once per event and switch on the result.
func (e *Event) Typed() any {
	switch b := e.Body.(type) {
	case nil:
		return nil
	case json.RawMessage:
		return DecodeBody(e.Type, e.Subtype, b)
	case PluginBody:
		return b.typed()
	case TransportBody:
		return b.typed()
	case SessionBody, HandleBody, ExternalBody, JSEPBody, ICEBody, LocalCandidateBody,
		RemoteCandidateBody, SelectedPairBody, DTLSBody, PeerConnectionBody, MediaStateBody,
		SlowLinkBody, MediaReportBody, MediaReports, CoreStatusBody, CoreShutdownBody:
		return b
	case Body:
		return b
	}
	raw, err := json.Marshal(e.Body)
	if err != nil {
		return nil
	}
	return DecodeBody(e.Type, e.Subtype, raw)
}

// Body is implemented by typed bodies of other packages (the verdict
// package's), so that Typed passes them through.
type Body interface {
	EventType() Type
}

// typed returns b with the data of a plugin this package knows in its Go
// type.
func (b PluginBody) typed() PluginBody {
	switch b.Data.(type) {
	case EchoTestData, VideoRoomData, nil:
		return b
	}
	if b.Plugin != PluginEchoTest && b.Plugin != PluginVideoRoom {
		return b
	}
	raw, err := json.Marshal(b.Data)
	if err != nil {
		return b
	}
	b.Data = pluginData(b.Plugin, raw)
	return b
}

// typed returns b with data of another Go type as a TransportData when
// it has that shape.
func (b TransportBody) typed() TransportBody {
	switch b.Data.(type) {
	case TransportData, json.RawMessage, nil:
		return b
	}
	raw, err := json.Marshal(b.Data)
	if err != nil {
		return b
	}
	if d, ok := decodeAs[TransportData](raw); ok {
		b.Data = d
	} else {
		b.Data = json.RawMessage(raw)
	}
	return b
}
