package janusclient

import (
	"context"
	"fmt"
)

// Session is one Janus session on a client.
type Session struct {
	C  Client
	ID uint64
}

// Handle is one plugin handle of a session.
type Handle struct {
	S  *Session
	ID uint64
}

// Create creates a session and starts watching its events.
func Create(ctx context.Context, c Client) (*Session, error) {
	res, err := success(c.Request(ctx, 0, 0, Msg{"janus": "create"}))
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	id := res.Uint("data", "id")
	if id == 0 {
		return nil, fmt.Errorf("create: %w: no session id in %.300s", ErrReply, res.String())
	}
	c.Watch(id)
	return &Session{C: c, ID: id}, nil
}

// Attach attaches a handle to plugin.
func (s *Session) Attach(ctx context.Context, plugin, opaqueID string) (*Handle, error) {
	req := Msg{"janus": "attach", "plugin": plugin}
	if opaqueID != "" {
		req["opaque_id"] = opaqueID
	}
	res, err := success(s.C.Request(ctx, s.ID, 0, req))
	if err != nil {
		return nil, fmt.Errorf("attach %s: %w", plugin, err)
	}
	id := res.Uint("data", "id")
	if id == 0 {
		return nil, fmt.Errorf("attach %s: %w: no handle id in %.300s", plugin, ErrReply, res.String())
	}
	return &Handle{S: s, ID: id}, nil
}

// Keepalive sends a keepalive (acknowledged with "ack").
func (s *Session) Keepalive(ctx context.Context) error {
	_, err := ack(s.C.Request(ctx, s.ID, 0, Msg{"janus": "keepalive"}))
	if err != nil {
		return fmt.Errorf("keepalive: %w", err)
	}
	return nil
}

// Destroy destroys the session.
func (s *Session) Destroy(ctx context.Context) error {
	if _, err := success(s.C.Request(ctx, s.ID, 0, Msg{"janus": "destroy"})); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	return nil
}

// JSEP builds a jsep object; trickle false says the SDP carries every
// candidate.
func JSEP(typ, sdp string, trickle bool) map[string]any {
	j := map[string]any{"type": typ, "sdp": sdp}
	if !trickle {
		j["trickle"] = false
	}
	return j
}

// Send sends a plugin message (jsep may be nil) and returns the direct
// reply: "success" carries a synchronous plugin answer, "ack" announces an
// asynchronous one (see Message).
func (h *Handle) Send(ctx context.Context, body map[string]any, jsep map[string]any) (Msg, error) {
	req := Msg{"janus": "message", "body": body}
	if jsep != nil {
		req["jsep"] = jsep
	}
	res, err := h.S.C.Request(ctx, h.S.ID, h.ID, req)
	if err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	if k := res.Kind(); k != "success" && k != "ack" {
		return res, fmt.Errorf("message: %w: %.400s", ErrReply, res.String())
	}
	return res, nil
}

// Message sends a plugin message and returns the plugin's answer: the
// "success" reply of a synchronous request, or, after an "ack", the
// handle's "event" with the same transaction, taken from in.
func (h *Handle) Message(ctx context.Context, in *Inbox, body map[string]any, jsep map[string]any) (Msg, error) {
	res, err := h.Send(ctx, body, jsep)
	if err != nil || res.Kind() == "success" {
		return res, err
	}
	tx, _ := res["transaction"].(string)
	return in.Wait(ctx, fmt.Sprintf("event of transaction %s", tx), func(m Msg) bool {
		return From(h.ID, "event")(m) && m["transaction"] == tx
	})
}

// Trickle sends one candidate (a map with candidate, sdpMid and
// sdpMLineIndex) or, with nil, {"completed": true}.
func (h *Handle) Trickle(ctx context.Context, candidate map[string]any) error {
	if candidate == nil {
		candidate = map[string]any{"completed": true}
	}
	_, err := ack(h.S.C.Request(ctx, h.S.ID, h.ID, Msg{"janus": "trickle", "candidate": candidate}))
	if err != nil {
		return fmt.Errorf("trickle: %w", err)
	}
	return nil
}

// Hangup hangs up the handle's PeerConnection.
func (h *Handle) Hangup(ctx context.Context) error {
	if _, err := success(h.S.C.Request(ctx, h.S.ID, h.ID, Msg{"janus": "hangup"})); err != nil {
		return fmt.Errorf("hangup: %w", err)
	}
	return nil
}

// Detach detaches the handle.
func (h *Handle) Detach(ctx context.Context) error {
	if _, err := success(h.S.C.Request(ctx, h.S.ID, h.ID, Msg{"janus": "detach"})); err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	return nil
}

// success and ack check a request's reply kind.
func success(m Msg, err error) (Msg, error) { return Expect(m, err, "success") }
func ack(m Msg, err error) (Msg, error)     { return Expect(m, err, "ack") }
