// Package eventbody reads the bodies of telemetry events whatever their Go
// form: maps built in-process, typed structs, named id types, or JSON parsed
// from the wire. Sinks that look inside events (metrics, traces, HEP) share it.
package eventbody

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/argusrtc/argus/telemetry"
)

// Object returns an event body as a JSON object. Bodies built in-process are
// usually map[string]any already; anything else (typed structs, bodies
// parsed from the wire) takes one JSON round trip. Numbers decode as
// json.Number so 64-bit ids stay exact.
func Object(body any) map[string]any {
	switch b := body.(type) {
	case map[string]any:
		return b
	case nil:
		return nil
	case telemetry.PluginBody:
		return map[string]any{"plugin": b.Plugin, "data": b.Data}
	case *telemetry.PluginBody:
		return map[string]any{"plugin": b.Plugin, "data": b.Data}
	}
	m, _ := roundTrip(body).(map[string]any)
	return m
}

// Objects returns a media report body as a list of per-medium objects: one
// object normally, an array with combine_media_stats (janus-reference.md 4.4).
func Objects(body any) []map[string]any {
	switch b := body.(type) {
	case map[string]any:
		return []map[string]any{b}
	case []map[string]any:
		return b
	case nil:
		return nil
	}
	v := body
	if _, ok := v.([]any); !ok {
		v = roundTrip(body)
	}
	switch b := v.(type) {
	case map[string]any:
		return []map[string]any{b}
	case []any:
		out := make([]map[string]any, 0, len(b))
		for _, x := range b {
			if m := Object(x); m != nil {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func roundTrip(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil
	}
	return out
}

// String returns m[k] when it is a string (or a named string type).
func String(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
			return rv.String()
		}
	}
	return ""
}

// Number returns m[k] as a float64 and whether it was a number.
func Number(m map[string]any, k string) (float64, bool) {
	switch v := m[k].(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	case nil:
		return 0, false
	}
	switch rv := reflect.ValueOf(m[k]); rv.Kind() { // named numeric types
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

// Bool returns m[k] when it is a bool.
func Bool(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

// Key renders an id that may be a JSON number or a string (VideoRoom rooms
// and feeds with string_ids) as a map key.
func Key(v any) string {
	switch x := v.(type) {
	case string:
		return "s:" + x
	case json.Number:
		return "n:" + x.String()
	case float64:
		return "n:" + strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return "n:" + strconv.Itoa(x)
	case int64:
		return "n:" + strconv.FormatInt(x, 10)
	case uint64:
		return "n:" + strconv.FormatUint(x, 10)
	case uint32:
		return "n:" + strconv.FormatUint(uint64(x), 10)
	case int32:
		return "n:" + strconv.FormatInt(int64(x), 10)
	case nil:
		return ""
	}
	switch rv := reflect.ValueOf(v); rv.Kind() { // typed ids (RoomID, FeedID)
	case reflect.String:
		return "s:" + rv.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "n:" + strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "n:" + strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return "n:" + strconv.FormatFloat(rv.Float(), 'f', -1, 64)
	}
	return ""
}

// List returns m[k] when it is a JSON array.
func List(m map[string]any, k string) []any {
	switch v := m[k].(type) {
	case []any:
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	case nil:
		return nil
	}
	if l, ok := roundTrip(m[k]).([]any); ok { // typed slices
		return l
	}
	return nil
}
