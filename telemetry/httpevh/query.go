package httpevh

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// ErrCodeUnknown is the sample event handler's query_eventhandler error
// code for an unknown error.
const ErrCodeUnknown = 499

// QueryResult is a successful tweak response: {"result":200}.
type QueryResult struct {
	Result int `json:"result"`
}

// tweak is the "tweak" request; pointers tell absent from zero.
type tweak struct {
	Request     *string          `json:"request"`
	Events      *json.RawMessage `json:"events"`
	Grouping    *json.RawMessage `json:"grouping"`
	Compress    *json.RawMessage `json:"compress"`
	Compression *json.RawMessage `json:"compression"`
	Backend     *json.RawMessage `json:"backend"`
	User        *json.RawMessage `json:"backend_user"`
	Password    *json.RawMessage `json:"backend_pwd"`
	MaxRetrans  *json.RawMessage `json:"max_retransmissions"`
	Backoff     *json.RawMessage `json:"retransmissions_backoff"`
}

// EventHandlerName returns HandlerName.
func (*Sink) EventHandlerName() string { return HandlerName }

// Query answers Admin query_eventhandler: {"request":"tweak", events?,
// grouping?, compress?, compression?, backend?, backend_user?,
// backend_pwd?, max_retransmissions?, retransmissions_backoff? (ms)} →
// {"result":200}, or a telemetry.QueryError 411 (unknown request), 412 (missing
// element) or 413 (invalid element, non-http backend). All fields are
// checked before any is applied.
func (s *Sink) Query(_ context.Context, req json.RawMessage) any {
	var t tweak
	if err := json.Unmarshal(req, &t); err != nil {
		return telemetry.NewQueryError(telemetry.QueryErrInvalidElement, "Invalid request: "+err.Error())
	}
	if t.Request == nil {
		return telemetry.NewQueryError(telemetry.QueryErrMissingElement, "Missing mandatory element (request)")
	}
	if *t.Request != "tweak" {
		return telemetry.NewQueryError(telemetry.QueryErrUnknownRequest, "Unknown request '"+*t.Request+"'")
	}
	s.tweakMu.Lock()
	defer s.tweakMu.Unlock()
	next := *s.cfg.Load()
	oldMask := next.Events
	var bad string
	field := func(raw *json.RawMessage, name string, dst any) {
		if raw == nil || bad != "" {
			return
		}
		if err := json.Unmarshal(*raw, dst); err != nil {
			bad = name
		}
	}
	// Decoded into next, a copy stored only when every field is valid.
	var events string
	var backoffMS int
	field(t.Events, "events", &events)
	field(t.Grouping, "grouping", &next.Grouping)
	field(t.Compress, "compress", &next.Compress)
	field(t.Compression, "compression", &next.CompressionLevel)
	field(t.Backend, "backend", &next.URL)
	field(t.User, "backend_user", &next.User)
	field(t.Password, "backend_pwd", &next.Password)
	field(t.MaxRetrans, "max_retransmissions", &next.MaxRetransmissions)
	field(t.Backoff, "retransmissions_backoff", &backoffMS)
	switch {
	case bad != "":
	case t.Compression != nil && (next.CompressionLevel < 0 || next.CompressionLevel > 9):
		bad = "compression"
	case t.Backend != nil && !strings.HasPrefix(next.URL, "http"):
		bad = "backend"
	case t.MaxRetrans != nil && next.MaxRetransmissions < 0:
		bad = "max_retransmissions"
	case t.Backoff != nil && backoffMS <= 0:
		bad = "retransmissions_backoff"
	}
	if bad != "" {
		return telemetry.NewQueryError(telemetry.QueryErrInvalidElement, "Invalid element ("+bad+")")
	}
	if t.Events != nil {
		next.Events = telemetry.ParseMask(events)
	}
	if t.Backoff != nil {
		next.Backoff = time.Duration(backoffMS) * time.Millisecond
	}
	s.cfg.Store(&next)
	if next.Events != oldMask && next.OnMaskChange != nil {
		next.OnMaskChange(next.Events)
	}
	return QueryResult{Result: 200}
}
