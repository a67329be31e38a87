package history

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/argusrtc/argus/telemetry"
)

// ErrCodeNoSuchSession is the query_eventhandler error code for a session
// the store does not hold.
const ErrCodeNoSuchSession = 458

// SessionsResponse answers {"request":"sessions"}.
type SessionsResponse struct {
	Sessions []SessionSummary `json:"sessions"`
	Evicted  uint64           `json:"evicted"`
}

// TimelineResponse answers {"request":"timeline","session_id":N}.
type TimelineResponse struct {
	Session SessionSummary     `json:"session"`
	Events  []*telemetry.Event `json:"events"`
}

// EventHandlerName returns HandlerName.
func (*Store) EventHandlerName() string { return HandlerName }

// Query answers Admin query_eventhandler requests:
// {"request":"sessions"} → SessionsResponse;
// {"request":"timeline","session_id":N} → TimelineResponse;
// {"request":"global"} → {"events":[...]} (events with no session);
// {"request":"rooms"} → RoomsResponse.
// Errors: 411 unknown request, 412 missing element, 413 invalid element,
// 458 unknown session.
func (s *Store) Query(_ context.Context, req json.RawMessage) any {
	var r struct {
		Request   *string          `json:"request"`
		SessionID *json.RawMessage `json:"session_id"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return telemetry.NewQueryError(telemetry.QueryErrInvalidElement, "Invalid request: "+err.Error())
	}
	if r.Request == nil {
		return telemetry.NewQueryError(telemetry.QueryErrMissingElement, "Missing mandatory element (request)")
	}
	switch *r.Request {
	case "sessions":
		return SessionsResponse{Sessions: s.Sessions(), Evicted: s.Evicted()}
	case "global":
		return map[string]any{"events": s.Global()}
	case "rooms":
		return RoomsResponse{Rooms: s.Rooms()}
	case "timeline":
		if r.SessionID == nil {
			return telemetry.NewQueryError(telemetry.QueryErrMissingElement, "Missing mandatory element (session_id)")
		}
		var id uint64
		if err := json.Unmarshal(*r.SessionID, &id); err != nil || id == 0 {
			return telemetry.NewQueryError(telemetry.QueryErrInvalidElement, "Invalid element (session_id)")
		}
		resp, ok := s.timeline(id)
		if !ok {
			return telemetry.NewQueryError(ErrCodeNoSuchSession, "No such session "+strconv.FormatUint(id, 10))
		}
		return resp
	}
	return telemetry.NewQueryError(telemetry.QueryErrUnknownRequest, "Unknown request '"+*r.Request+"'")
}

// timeline reads a summary and its events under one lock.
func (s *Store) timeline(id uint64) (TimelineResponse, bool) {
	return readSession(s, id, func(sess *session) TimelineResponse {
		return TimelineResponse{Session: s.summaryOf(sess), Events: sess.events.slice()}
	})
}
