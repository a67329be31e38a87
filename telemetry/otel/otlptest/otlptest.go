// Package otlptest is a local OTLP/HTTP trace receiver for tests: what an
// OpenTelemetry collector would receive from Argus's OTLP exporter.
package otlptest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Request is one export as the receiver got it, the body uncompressed.
type Request struct {
	Path, ContentType string
	Body              []byte
}

// Spans decodes the request's protobuf body.
func (r Request) Spans() (*coltracepb.ExportTraceServiceRequest, error) {
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(r.Body, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// Receiver starts an OTLP/HTTP endpoint for the rest of the test, points the
// OTEL_* environment at it (protobuf over HTTP) and hands every request to
// handle, on the server's goroutines. It answers every export with success.
func Receiver(t testing.TB, handle func(Request)) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		handle(Request{Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: b})
		resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
}
