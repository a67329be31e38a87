package wire

import (
	"bytes"
	"encoding/json"
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
