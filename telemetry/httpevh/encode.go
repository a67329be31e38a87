package httpevh

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"

	"github.com/argusrtc/argus/telemetry"
)

// encode renders events as one POST body: an array when grouped, else the
// single event object, in the configured format, gzipped if asked.
func encode(evs []*telemetry.Event, grouped bool, c *Config) ([]byte, error) {
	var v any = evs
	if !grouped {
		v = evs[0]
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal events: %w", err)
	}
	switch c.Format {
	case FormatIndented:
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "   "); err != nil {
			return nil, fmt.Errorf("indent events: %w", err)
		}
		b = buf.Bytes()
	case FormatPlain:
		b = plain(b)
	}
	if !c.Compress {
		return b, nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, c.CompressionLevel)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// plain turns compact JSON into one line with a space after every ':' and
// ',' outside strings, the layout Janus's "plain" setting produces.
func plain(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for _, c := range compact {
		out = append(out, c)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}
