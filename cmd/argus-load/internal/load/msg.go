package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
)

// msg is one decoded Janus message; numbers stay json.Number so 53-bit ids
// are exact.
type msg map[string]any

var txCounter atomic.Uint64

func newTransaction() string { return "load" + strconv.FormatUint(txCounter.Add(1), 10) }

func decodeMsg(b []byte) (msg, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m msg
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %.200q: %w", b, err)
	}
	return m, nil
}

// kind is m["janus"].
func (m msg) kind() string { s, _ := m["janus"].(string); return s }

// field walks nested objects: m.field("plugindata", "data", "result").
func (m msg) field(path ...string) any {
	var cur any = map[string]any(m)
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[k]
	}
	return cur
}

// u64 reads a JSON integer (json.Number or float64); 0 if absent.
func u64(v any) uint64 {
	switch n := v.(type) {
	case json.Number:
		u, _ := strconv.ParseUint(n.String(), 10, 64)
		return u
	case float64:
		return uint64(n)
	}
	return 0
}

// expect returns m if it is of kind want, else an error quoting it.
func expect(m msg, err error, want string) (msg, error) {
	if err != nil {
		return nil, err
	}
	if m.kind() != want {
		b, _ := json.Marshal(m)
		return m, fmt.Errorf("%w: %.300s (want %q)", errBadReply, b, want)
	}
	return m, nil
}
