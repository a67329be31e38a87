package httpevh

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// encode appends to dst events as one POST body: an array when grouped,
// else the single event object, in the configured format, gzipped if asked.
func encode(dst []byte, evs []*telemetry.Event, grouped bool, c *Config) ([]byte, error) {
	if !c.Compress {
		b, err := evhkit.AppendEvents(dst, evs, grouped, evhkit.Format(c.Format))
		if err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		return b, nil
	}
	b, err := evhkit.MarshalEvents(evs, grouped, evhkit.Format(c.Format))
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	buf := bytes.NewBuffer(dst)
	zw, err := gzip.NewWriterLevel(buf, c.CompressionLevel)
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
