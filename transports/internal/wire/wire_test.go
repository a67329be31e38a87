package wire

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

func TestErrorJSON(t *testing.T) {
	got := string(ErrorJSON(450, "Unsupported method <PUT> & co"))
	want := `{"janus":"error","error":{"code":450,"reason":"Unsupported method <PUT> & co"}}`
	if got != want {
		t.Fatalf("%s", got)
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n\nx")
	tests := []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {7, 4, 1}, {8, 4, 2}, {-5, 1, 1}, {99, 4, 2}}
	for _, tc := range tests {
		if l, c := LineCol(data, tc.off); l != tc.line || c != tc.col {
			t.Errorf("LineCol(%d) = %d,%d want %d,%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		origin, allow string
		enforce, want bool
	}{
		{"http://x", "", true, true},
		{"http://x", "http://y", false, true},
		{"http://y.example", "http://y", true, true},
		{"http://x", "http://y", true, false},
		{"", "http://y", true, false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := OriginAllowed(r, tc.allow, tc.enforce); got != tc.want {
			t.Errorf("%+v: %v", tc, got)
		}
	}
}

func TestSplitAddr(t *testing.T) {
	tests := []struct {
		in   string
		ip   string
		port int
	}{{"127.0.0.1:80", "127.0.0.1", 80}, {"[::1]:8088", "::1", 8088}, {"garbage", "garbage", 0}, {"h:x", "h", 0}}
	for _, tc := range tests {
		if ip, port := SplitAddr(tc.in); ip != tc.ip || port != tc.port {
			t.Errorf("SplitAddr(%q) = %q,%d", tc.in, ip, port)
		}
	}
}

func TestEmitTransport(t *testing.T) {
	var got *telemetry.Event
	EmitTransport(telemetry.EmitterFunc(func(e *telemetry.Event) { got = e }), "srv",
		core.TransportInfo{Package: "janus.transport.http", ConnID: 77}, telemetry.TransportData{Event: "x"})
	b, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	m := string(b)
	want := `"event":{"transport":"janus.transport.http","id":"77","data":{"event":"x"}}`
	if got.Type != telemetry.TypeTransport || got.Emitter != "srv" || got.SessionID != 0 || !strings.Contains(m, want) {
		t.Fatalf("%s", m)
	}
	EmitTransport(nil, "srv", core.TransportInfo{}, telemetry.TransportData{}) // nil emitter: no panic
}
