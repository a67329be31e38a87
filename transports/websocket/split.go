package websocket

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/argusrtc/argus/transports/internal/wire"
)

// splitFrame splits one WebSocket message into its concatenated JSON values
// (janus-reference.md 1.7). On a parse error it returns the values before
// the bad one and the Janus 454 reason, "JSON error: on line <l>: <text>"
// (the core's wording for the same error).
func splitFrame(data []byte) ([]json.RawMessage, string) {
	var out []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, ""
		}
		if err != nil {
			var line int
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line, _ = wire.LineCol(data, se.Offset)
			} else {
				// Truncated input: the error is at its end.
				line, _ = wire.LineCol(data, int64(len(data)))
			}
			return out, fmt.Sprintf("JSON error: on line %d: %s", line, err.Error())
		}
		out = append(out, v)
	}
}
