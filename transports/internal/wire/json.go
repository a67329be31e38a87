package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// marshal is json.Marshal without HTML escaping (Janus does not escape <, >, &)
// and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// LineCol converts a byte offset in data to a 1-based line and column, for
// JSON error texts.
func LineCol(data []byte, offset int64) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}

// JSONErrorReason renders Janus's JSON error text for an invalid request,
// "JSON error: on line <l>: <text>", the same on every transport.
func JSONErrorReason(body []byte) string {
	var v json.RawMessage
	err := json.Unmarshal(body, &v)
	line := 1
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, _ = LineCol(body, se.Offset)
	}
	text := "invalid JSON"
	if err != nil {
		text = err.Error()
	}
	return fmt.Sprintf("JSON error: on line %d: %s", line, text)
}

// CheckRequest returns the Janus error a transport answers to a request
// that is empty or not JSON, or nil when the core should see it (as the
// HTTP transport does, so every transport answers alike).
func CheckRequest(body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return ErrorJSON(CodeInvalidJSON, "Request payload missing")
	}
	if !json.Valid(body) {
		return ErrorJSON(CodeInvalidJSON, JSONErrorReason(body))
	}
	return nil
}

// Verb returns a request's "janus" member, or "" when it has none.
func Verb(raw []byte) string {
	var v struct {
		Janus string `json:"janus"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.Janus
}
