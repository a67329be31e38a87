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
	boolean := func(dst func(*request) **bool) func(*request, json.RawMessage) error {
		return func(r *request, raw json.RawMessage) error {
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return err
			}
			*dst(r) = &b
			return nil
		}
	}
	str := func(dst func(*request) **string) func(*request, json.RawMessage) error {
		return func(r *request, raw json.RawMessage) error {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			*dst(r) = &s
			return nil
		}
	}
	return []field{
		{"audio", "a boolean", boolean(func(r *request) **bool { return &r.Audio })},
		{"video", "a boolean", boolean(func(r *request) **bool { return &r.Video })},
		{"record", "a boolean", boolean(func(r *request) **bool { return &r.Record })},
		{"opusred", "a boolean", boolean(func(r *request) **bool { return &r.OpusRed })},
		{"keyframe", "a boolean", boolean(func(r *request) **bool { return &r.Keyframe })},
		{"filename", "a string", str(func(r *request) **string { return &r.Filename })},
		{"audiocodec", "a string", str(func(r *request) **string { return &r.AudioCodec })},
		{"videocodec", "a string", str(func(r *request) **string { return &r.VideoCodec })},
		{"videoprofile", "a string", str(func(r *request) **string { return &r.VideoProfile })},
		{"bitrate", "a positive integer", func(r *request, raw json.RawMessage) error {
			v, err := uintValue(raw)
			r.Bitrate = &v
			return err
		}},
		{"fallback", "a positive integer", func(r *request, raw json.RawMessage) error {
			v, err := uintValue(raw)
			r.Fallback = &v
			return err
		}},
		{"substream", "a positive integer", func(r *request, raw json.RawMessage) error {
			v, err := uintValue(raw)
			n := int(min(v, 1<<20))
			r.Substream = &n
			return err
		}},
		{"temporal", "a positive integer", func(r *request, raw json.RawMessage) error {
			v, err := uintValue(raw)
			n := int(min(v, 1<<20))
			r.Temporal = &n
			return err
		}},
		{"min_delay", "an integer", func(r *request, raw json.RawMessage) error {
			v, err := intValue(raw)
			r.MinDelay = &v
			return err
		}},
		{"max_delay", "an integer", func(r *request, raw json.RawMessage) error {
			v, err := intValue(raw)
			r.MaxDelay = &v
			return err
		}},
	}
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
