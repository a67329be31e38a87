package janusclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
)

// Msg is one decoded Janus message. Numbers stay json.Number.
type Msg map[string]any

// Sentinel errors.
var (
	// ErrClosed is returned by requests on a closed client.
	ErrClosed = errors.New("janus client closed")
	// ErrReply is a reply of an unexpected kind or shape.
	ErrReply = errors.New("unexpected Janus reply")
)

// txCounter numbers transactions process-wide so that ids never repeat
// across clients of one test binary.
var txCounter atomic.Uint64 //nolint:gochecknoglobals // transaction ids must be unique per process

// NewTransaction returns a fresh transaction id.
func NewTransaction() string { return "tx" + strconv.FormatUint(txCounter.Add(1), 10) }

// EncodeRequest gives req a fresh transaction and, when not zero, the
// session and handle ids, and encodes it.
func EncodeRequest(req Msg, sid, hid uint64) ([]byte, error) {
	req["transaction"] = NewTransaction()
	if sid != 0 {
		req["session_id"] = sid
	}
	if hid != 0 {
		req["handle_id"] = hid
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("janus request: %w", err)
	}
	return raw, nil
}

// Decode parses one Janus JSON object.
func Decode(b []byte) (Msg, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m Msg
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %.300q: %w", b, err)
	}
	return m, nil
}

// decodeBatch parses a long-poll body: an array of messages or one object.
func decodeBatch(b []byte) ([]Msg, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		m, err := Decode(b)
		if err != nil {
			return nil, err
		}
		return []Msg{m}, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var batch []Msg
	if err := d.Decode(&batch); err != nil {
		return nil, fmt.Errorf("decode poll %.300q: %w", b, err)
	}
	return batch, nil
}

// Kind is m["janus"].
func (m Msg) Kind() string { s, _ := m["janus"].(string); return s }

// Field walks nested objects: m.Field("plugindata", "data", "result").
func (m Msg) Field(path ...string) any {
	var cur any = map[string]any(m)
	for _, k := range path {
		var obj map[string]any
		switch o := cur.(type) {
		case map[string]any:
			obj = o
		case Msg:
			obj = o
		default:
			return nil
		}
		cur = obj[k]
	}
	return cur
}

// Uint reads the integer at path (json.Number or float64); 0 if absent.
func (m Msg) Uint(path ...string) uint64 { return Uint(m.Field(path...)) }

// String renders m as JSON for failure messages.
func (m Msg) String() string {
	b, err := json.Marshal(map[string]any(m))
	if err != nil {
		return fmt.Sprint(map[string]any(m))
	}
	return string(b)
}

// Uint reads a JSON integer (json.Number or float64); 0 if absent or not one.
func Uint(v any) uint64 {
	switch n := v.(type) {
	case json.Number:
		u, _ := strconv.ParseUint(n.String(), 10, 64)
		return u
	case float64:
		return uint64(n)
	}
	return 0
}

// Expect returns m if err is nil and m is of kind want, else an error
// quoting m.
func Expect(m Msg, err error, want string) (Msg, error) {
	if err != nil {
		return nil, err
	}
	if m.Kind() != want {
		return m, fmt.Errorf("%w: got %.400s, want %q", ErrReply, m.String(), want)
	}
	return m, nil
}

// From matches asynchronous messages of one handle (the "sender") and kind.
func From(hid uint64, kind string) func(Msg) bool {
	return func(m Msg) bool { return m.Kind() == kind && Uint(m["sender"]) == hid }
}
