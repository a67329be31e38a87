package core

import (
	"bytes"
	"encoding/json"
)

// obj is a JSON object that keeps its keys in insertion order, as Janus's
// jansson objects do on the wire.
type obj []field

type field struct {
	k string
	v any
}

// set appends a key (no duplicate check: builders add each key once).
func (o obj) set(k string, v any) obj { return append(o, field{k, v}) }

// MarshalJSON writes the fields in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// mustJSON marshals a value built by the core; a failure (a plugin value
// that does not marshal) degrades to a generic error object.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(obj{}.set("janus", "error").set("error",
			obj{}.set("code", CodeUnknown).set("reason", "Error encoding the response")))
	}
	return b
}

// errorReply renders {"janus":"error","session_id"?,"transaction"?,"error":{code,reason}}.
func errorReply(sid uint64, tr *string, e *APIError) []byte {
	o := obj{}.set("janus", "error")
	if sid > 0 {
		o = o.set("session_id", sid)
	}
	if tr != nil {
		o = o.set("transaction", *tr)
	}
	o = o.set("error", obj{}.set("code", e.Code).set("reason", e.Reason))
	return mustJSON(o)
}
