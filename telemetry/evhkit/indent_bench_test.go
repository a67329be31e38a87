package evhkit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// BenchmarkIndent: Layout's Indented against json.Indent on a grouped batch
// of 3 typical events.
func BenchmarkIndent(b *testing.B) {
	compact, err := MarshalEvents(marshalTestEvents()[:3], true, Compact)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("indent", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(compact)))
		for b.Loop() {
			_ = indent(compact)
		}
	})
	b.Run("json.Indent", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(compact)))
		for b.Loop() {
			var buf bytes.Buffer
			_ = json.Indent(&buf, compact, "", indentUnit)
		}
	})
}
