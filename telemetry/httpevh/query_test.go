package httpevh_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/httpevh"
)

func TestQueryTweak(t *testing.T) {
	var changed []telemetry.Mask
	cfg := httpevh.DefaultConfig("http://127.0.0.1:9/")
	cfg.OnMaskChange = func(m telemetry.Mask) { changed = append(changed, m) }
	s := newSink(t, cfg)
	if s.EventHandlerName() != "janus.eventhandler.sampleevh" {
		t.Fatal(s.EventHandlerName())
	}
	tests := []struct {
		req  string
		code int // 0: success
	}{
		{`{"request":"tweak","events":"sessions,handles","grouping":false,"compress":true,"compression":9,
		   "backend":"https://example.invalid/x","backend_user":"a","backend_pwd":"b",
		   "max_retransmissions":2,"retransmissions_backoff":50}`, 0},
		{`{"request":"nope"}`, 411},
		{`{}`, 412},
		{`[1]`, 413},
		{`{"request":"tweak","backend":"ftp://x"}`, 413},
		{`{"request":"tweak","grouping":"yes"}`, 413},
		{`{"request":"tweak","compression":11}`, 413},
		{`{"request":"tweak","max_retransmissions":-1}`, 413},
	}
	for _, tt := range tests {
		b, _ := json.Marshal(s.Query(context.Background(), json.RawMessage(tt.req)))
		var got struct {
			Result    int `json:"result"`
			ErrorCode int `json:"error_code"`
			Error     string
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if tt.code == 0 && got.Result != 200 {
			t.Errorf("%s: %s", tt.req, b)
		}
		if tt.code != 0 && (got.ErrorCode != tt.code || got.Error == "") {
			t.Errorf("%s: %s, want error_code %d", tt.req, b, tt.code)
		}
	}
	c := s.Config()
	if c.Events != telemetry.ParseMask("sessions,handles") || c.Grouping || !c.Compress || c.CompressionLevel != 9 ||
		c.URL != "https://example.invalid/x" || c.User != "a" || c.Password != "b" ||
		c.MaxRetransmissions != 2 || c.Backoff != 50*time.Millisecond {
		t.Fatalf("config after tweak: %+v", c)
	}
	if len(changed) != 1 || changed[0] != telemetry.ParseMask("sessions,handles") {
		t.Fatalf("OnMaskChange calls %v", changed)
	}
}

func TestQueryTweakAppliesToExport(t *testing.T) {
	rec, srv := newReceiver(t)
	s := newSink(t, httpevh.DefaultConfig("http://127.0.0.1:9/"))
	r := s.Query(context.Background(), json.RawMessage(`{"request":"tweak","backend":"`+srv.URL+`","grouping":false}`))
	if r.(httpevh.QueryResult).Result != 200 {
		t.Fatal(r)
	}
	if err := s.Export(context.Background(), events(2)); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Fatalf("%d POSTs to the tweaked backend, want 2", n)
	}
}
