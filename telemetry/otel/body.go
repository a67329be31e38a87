package otel

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/argusrtc/argus/telemetry"
)

// object returns an event body as a JSON object. Bodies built in-process are
// usually map[string]any already; anything else (typed structs, bodies
// parsed from the wire) takes one JSON round trip. Numbers decode as
// json.Number so 64-bit ids stay exact.
func object(body any) map[string]any {
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

// objects returns a media report body as a list of per-medium objects: one
// object normally, an array with combine_media_stats (janus-reference.md 4.4).
func objects(body any) []map[string]any {
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
			if m := object(x); m != nil {
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

// str returns m[k] when it is a string.
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// num returns m[k] as a float64 and whether it was a number.
func num(m map[string]any, k string) (float64, bool) {
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
	}
	return 0, false
}

// boolean returns m[k] when it is a bool.
func boolean(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

// key renders an id that may be a JSON number or a string (VideoRoom rooms
// and feeds with string_ids) as a map key.
func key(v any) string {
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
	}
	return ""
}

// list returns m[k] when it is a JSON array.
func list(m map[string]any, k string) []any {
	switch v := m[k].(type) {
	case []any:
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	}
	return nil
}
