package echotest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EchoTest error codes (janus-reference.md 5).
const (
	errNoMessage      = 411
	errInvalidJSON    = 412
	errInvalidElement = 413
	errInvalidSDP     = 414
)

// request is a validated EchoTest request; nil fields were absent.
type request struct {
	Audio, Video, Record, OpusRed, Keyframe *bool
	Bitrate, Fallback                       *uint64
	Substream, Temporal                     *int
	MinDelay, MaxDelay                      *int64
	Filename, AudioCodec, VideoCodec        *string
	VideoProfile                            *string
}

// requestError is an EchoTest error event.
type requestError struct {
	code int
	text string
}

func (e *requestError) Error() string { return e.text }

// field describes how one key is checked.
type field struct {
	name string
	kind string // "boolean", "string", "integer", "positive integer"
	set  func(r *request, raw json.RawMessage) error
}

// fields lists every known key with its Janus type.
func fields() []field {
	return []field{
		{"audio", "a boolean", setter(unmarshal[bool], func(r *request) **bool { return &r.Audio })},
		{"video", "a boolean", setter(unmarshal[bool], func(r *request) **bool { return &r.Video })},
		{"record", "a boolean", setter(unmarshal[bool], func(r *request) **bool { return &r.Record })},
		{"opusred", "a boolean", setter(unmarshal[bool], func(r *request) **bool { return &r.OpusRed })},
		{"keyframe", "a boolean", setter(unmarshal[bool], func(r *request) **bool { return &r.Keyframe })},
		{"filename", "a string", setter(unmarshal[string], func(r *request) **string { return &r.Filename })},
		{"audiocodec", "a string", setter(unmarshal[string], func(r *request) **string { return &r.AudioCodec })},
		{"videocodec", "a string", setter(unmarshal[string], func(r *request) **string { return &r.VideoCodec })},
		{"videoprofile", "a string", setter(unmarshal[string], func(r *request) **string { return &r.VideoProfile })},
		{"bitrate", "a positive integer", setter(uintValue, func(r *request) **uint64 { return &r.Bitrate })},
		{"fallback", "a positive integer", setter(uintValue, func(r *request) **uint64 { return &r.Fallback })},
		{"substream", "a positive integer", setter(layerValue, func(r *request) **int { return &r.Substream })},
		{"temporal", "a positive integer", setter(layerValue, func(r *request) **int { return &r.Temporal })},
		{"min_delay", "an integer", setter(intValue, func(r *request) **int64 { return &r.MinDelay })},
		{"max_delay", "an integer", setter(intValue, func(r *request) **int64 { return &r.MaxDelay })},
	}
}

// setter makes a field's set: it decodes the value and points the request
// field dst returns at it (the request is dropped on an error).
func setter[T any](decode func(json.RawMessage) (T, error), dst func(*request) **T) func(*request, json.RawMessage) error {
	return func(r *request, raw json.RawMessage) error {
		v, err := decode(raw)
		*dst(r) = &v
		return err
	}
}

// unmarshal decodes a JSON value of T's type.
func unmarshal[T any](raw json.RawMessage) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// layerValue is a substream or temporal layer: a positive integer, capped
// so it fits an int (parseRequest checks its range).
func layerValue(raw json.RawMessage) (int, error) {
	v, err := uintValue(raw)
	return int(min(v, 1<<20)), err
}

// intValue accepts only JSON integers (1.0 is a real, rejected as Janus does).
func intValue(raw json.RawMessage) (int64, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var n json.Number
	if err := d.Decode(&n); err != nil {
		return 0, err
	}
	if bytes.ContainsAny([]byte(n), ".eE") {
		return 0, errType
	}
	return n.Int64()
}

// uintValue accepts JSON integers >= 0.
func uintValue(raw json.RawMessage) (uint64, error) {
	v, err := intValue(raw)
	if err != nil || v < 0 {
		return 0, errType
	}
	return uint64(v), nil
}

// parseRequest validates a message body (janus-reference.md 5): 411 no
// body, 412 not an object, 413 wrong types, bad values or no known key
// (hasJSEP lets a body with no known key through).
func parseRequest(body json.RawMessage, hasJSEP bool) (*request, *requestError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, &requestError{errNoMessage, "No message??"}
	}
	var obj map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &obj) != nil {
		return nil, &requestError{errInvalidJSON, "JSON error: not an object"}
	}
	r := &request{}
	known := 0
	for _, f := range fields() {
		raw, ok := obj[f.name]
		if !ok {
			continue
		}
		known++
		if err := f.set(r, raw); err != nil {
			return nil, &requestError{errInvalidElement, fmt.Sprintf("Invalid element type (%s should be %s)", f.name, f.kind)}
		}
	}
	if r.Substream != nil && *r.Substream > 2 {
		return nil, &requestError{errInvalidElement, "Invalid value (substream should be 0, 1 or 2)"}
	}
	if r.Temporal != nil && *r.Temporal > 2 {
		return nil, &requestError{errInvalidElement, "Invalid value (temporal should be 0, 1 or 2)"}
	}
	if known == 0 && !hasJSEP {
		return nil, &requestError{errInvalidElement, "Message error: no supported attributes found"}
	}
	return r, nil
}
