package core

import (
	"context"
	"strings"
	"time"
)

// janusReq is a validated Janus API request envelope.
type janusReq struct {
	m     map[string]any
	f     fields
	verb  string // lower case
	raw   string // as sent
	tr    *string
	sid   SessionID
	hid   HandleID
	hasH  bool
	s     *session
	h     *handle
	c     Client
	token string
}

func (r *janusReq) fail(e *APIError) []byte { return errorReply(uint64(r.sid), r.tr, e) }

// reply starts {"janus":kind,"session_id":S,"transaction":T}.
func (r *janusReq) reply(kind string) obj {
	o := obj{}.set("janus", kind)
	if r.sid > 0 {
		o = o.set("session_id", uint64(r.sid))
	}
	if r.tr != nil {
		o = o.set("transaction", *r.tr)
	}
	return o
}

// envelope parses and validates the root of a request (janus-reference.md
// 1.1) and merges the path ids (457 on conflict).
func envelope(raw []byte, p PathIDs) (*janusReq, []byte) {
	m, e := parseRequest(raw)
	if e != nil {
		return nil, errorReply(0, nil, e)
	}
	r := &janusReq{m: m, f: fields{m: m}}
	tr, _, e := r.f.str("transaction", true)
	if e != nil {
		return nil, errorReply(0, nil, e)
	}
	r.tr = &tr
	verb, _, e := r.f.str("janus", true)
	if e != nil {
		return nil, errorReply(0, r.tr, e)
	}
	r.raw, r.verb = verb, strings.ToLower(verb)
	if _, _, e := r.f.integer("id", false, true); e != nil {
		return nil, errorReply(0, r.tr, e)
	}
	sid, _ := idField(m, "session_id")
	hid, hasH := idField(m, "handle_id")
	if p.Session != 0 {
		if sid != 0 && sid != uint64(p.Session) {
			return nil, errorReply(sid, r.tr, apiErr(CodeInvalidRequestPath, "Conflicting session ID (payload and path)"))
		}
		sid = uint64(p.Session)
	}
	if p.Handle != 0 {
		if hasH && hid != uint64(p.Handle) {
			return nil, errorReply(sid, r.tr, apiErr(CodeInvalidRequestPath, "Conflicting handle ID (payload and path)"))
		}
		hid, hasH = uint64(p.Handle), true
	}
	r.sid, r.hid, r.hasH = SessionID(sid), HandleID(hid), hasH
	return r, nil
}

// optString reads a member as a string, treating other types as absent.
func optString(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// request reads a request of Client c on either API: it checks raw's UTF-8
// and envelope and answers info and ping without a session, as both APIs
// do. It returns the request, or the response when that is all there is.
func (g *Gateway) request(c Client, raw []byte, p PathIDs) (*janusReq, []byte) {
	if bad := g.badUTF8(raw); bad != nil {
		return nil, bad
	}
	r, bad := envelope(raw, p)
	if bad != nil {
		return nil, bad
	}
	r.c = c
	if r.sid == 0 && r.hid == 0 {
		switch r.verb {
		case "info":
			return nil, mustJSON(g.serverInfo(r.tr))
		case "ping":
			return nil, mustJSON(r.reply("pong"))
		}
	}
	return r, nil
}

// HandleJanus processes one Janus API request and returns the response
// JSON (success, ack, error, server_info or pong), compact. Asynchronous
// messages of the session go to its source Client. Safe for concurrent use.
func (g *Gateway) HandleJanus(ctx context.Context, c Client, raw []byte, p PathIDs) []byte {
	r, done := g.request(c, raw, p)
	if done != nil {
		return done
	}
	r.token = optString(r.m, "token")
	if r.sid == 0 && r.hid == 0 {
		if r.verb == "create" {
			return g.apiCreate(r)
		}
		return r.unhandled()
	}
	if r.sid == 0 {
		return r.fail(apiErr(CodeSessionNotFound, ""))
	}
	if !g.CheckAuth(optString(r.m, "apisecret"), r.token) {
		return r.fail(apiErr(CodeUnauthorized, ""))
	}
	if r.s = g.session(r.sid); r.s == nil {
		return r.fail(apiErr(CodeSessionNotFound, "No such session %d", uint64(r.sid)))
	}
	r.s.touch()
	if r.hasH {
		if r.hid < 1 {
			return r.fail(apiErr(CodeHandleNotFound, ""))
		}
		if r.h = r.s.handle(r.hid); r.h == nil {
			return r.fail(apiErr(CodeHandleNotFound, "No such handle %d in session %d", uint64(r.hid), uint64(r.sid)))
		}
	}
	switch r.verb {
	case "keepalive":
		return mustJSON(r.reply("ack"))
	case "claim":
		r.s.claim(c)
		return mustJSON(r.reply("success"))
	case "attach", "destroy":
		if r.h != nil {
			return r.unhandled()
		}
		if r.verb == "attach" {
			return g.apiAttach(r)
		}
		return g.apiDestroy(r)
	case "detach", "hangup", "message", "trickle":
		if r.h == nil {
			return r.unhandled()
		}
		switch r.verb {
		case "detach":
			return g.apiDetach(r)
		case "hangup":
			return g.apiHangup(r, "Janus API")
		case "message":
			return g.apiMessage(ctx, r)
		default:
			return g.apiTrickle(r)
		}
	}
	return r.fail(apiErr(CodeUnknownRequest, "Unknown request '%s'", r.raw))
}

// apiDestroy, apiDetach and apiHangup end a session, a handle or a
// handle's PeerConnection for the Janus API (destroy, detach, hangup) and
// the Admin API (destroy_session, detach_handle, hangup_webrtc); reason
// names the API in the hangup event.
func (g *Gateway) apiDestroy(r *janusReq) []byte {
	g.destroySession(r.s, endDestroyed)
	return mustJSON(r.reply("success"))
}

func (g *Gateway) apiDetach(r *janusReq) []byte {
	g.detachHandle(r.h, true)
	return mustJSON(r.reply("success"))
}

func (g *Gateway) apiHangup(r *janusReq, reason string) []byte {
	r.h.hangup(reason)
	return mustJSON(r.reply("success"))
}

// apiCreate creates a session (janus-reference.md 1.3 create).
func (g *Gateway) apiCreate(r *janusReq) []byte {
	g.mu.Lock()
	accepting := g.accepting && !g.closed
	g.mu.Unlock()
	if !accepting {
		return r.fail(apiErr(CodeNotAcceptingSessions, ""))
	}
	if !g.CheckAuth(optString(r.m, "apisecret"), r.token) {
		return r.fail(apiErr(CodeUnauthorized, ""))
	}
	id, _, _ := r.f.integer("id", false, true)
	s, e := g.createSession(r.c, SessionID(uint64(id)))
	if e != nil && e.Code == CodeSessionConflict {
		// Janus 1.1.2 names the session in use (test/janusref).
		return errorReply(uint64(id), r.tr, e)
	}
	if e != nil {
		return r.fail(e)
	}
	s.log.Info("session created", "transport", transportName(r.c))
	g.emitSession(s.id, "created", r.c)
	return mustJSON(r.reply("success").set("data", obj{}.set("id", uint64(s.id))))
}

func transportName(c Client) string {
	if c == nil {
		return ""
	}
	return c.Info().Package
}

// apiAttach attaches a handle to a plugin (janus-reference.md 1.3 attach).
func (g *Gateway) apiAttach(r *janusReq) []byte {
	pkg, _, e := r.f.str("plugin", true)
	if e != nil {
		return r.fail(e)
	}
	opaque, _, e := r.f.str("opaque_id", false)
	if e != nil {
		return r.fail(e)
	}
	if len(opaque) > MaxOpaqueIDSize {
		g.refused(LimitOpaqueID, 1)
		return r.fail(apiErr(CodeInvalidElementType, "Invalid element type (opaque_id should be a string of at most %d bytes)", MaxOpaqueIDSize))
	}
	if _, _, e := r.f.integer("loop_index", false, true); e != nil {
		return r.fail(e)
	}
	p, ok := g.plugins[pkg]
	if !ok {
		return r.fail(apiErr(CodePluginNotFound, "No such plugin '%s'", pkg))
	}
	if g.cfg.TokenAuth && r.token != "" && !g.tokenAllows(r.token, pkg) {
		return r.fail(apiErr(CodeUnauthorizedPlugin, "Provided token can't access plugin '%s'", pkg))
	}
	h, err := g.newHandle(r.s, p, pkg, opaque, r.token)
	if err != nil {
		return r.fail(err)
	}
	return mustJSON(r.reply("success").set("data", obj{}.set("id", uint64(h.id))))
}

// newHandle creates, registers and announces a handle.
func (g *Gateway) newHandle(s *session, p Plugin, pkg, opaque, token string) (*handle, *APIError) {
	h := &handle{sess: s, g: g, pkg: pkg, plugin: p, opaque: opaque, token: token, created: time.Now(),
		gone: make(chan struct{})}
	s.mu.Lock()
	if s.destroyed {
		s.mu.Unlock()
		return nil, apiErr(CodeSessionNotFound, "No such session %d", uint64(s.id))
	}
	if limit := g.cfg.Limits.MaxHandlesPerSession; limit > 0 && len(s.handles) >= limit {
		s.mu.Unlock()
		g.refused(LimitHandles, 1)
		return nil, apiErr(CodePluginAttach, "Couldn't attach to plugin: error 'too many handles in this session (limit %d)'", limit)
	}
	for {
		h.id = HandleID(RandomID())
		if _, used := s.handles[h.id]; !used {
			break
		}
	}
	h.log = s.log.With("handle_id", uint64(h.id), "opaque_id", opaque)
	h.ps = noSession{}
	s.handles[h.id] = h // reserve the id; the plugin session follows
	s.mu.Unlock()
	ps, err := p.NewSession(h)
	if err != nil || ps == nil {
		s.mu.Lock()
		delete(s.handles, h.id)
		s.mu.Unlock()
		h.mu.Lock()
		h.markDetached()
		h.mu.Unlock()
		text := "plugin returned no session"
		if err != nil {
			text = err.Error()
		}
		return nil, apiErr(CodePluginAttach, "Couldn't attach to plugin: error '%s'", text)
	}
	h.mu.Lock()
	gone := h.detached
	if !gone {
		h.ps = ps
	}
	h.mu.Unlock()
	if gone { // the session ended while the plugin was attaching
		ps.Destroy()
		return nil, apiErr(CodeSessionNotFound, "No such session %d", uint64(s.id))
	}
	h.log.Info("handle attached", "plugin", pkg)
	g.emitHandle(h, "attached")
	return h, nil
}

// detachHandle removes h from its session and detaches it.
func (g *Gateway) detachHandle(h *handle, notify bool) {
	h.sess.mu.Lock()
	if h.sess.handles[h.id] == h {
		delete(h.sess.handles, h.id)
	}
	h.sess.mu.Unlock()
	h.detach(notify)
}

// noSession stands in for the plugin session while NewSession runs.
type noSession struct{}

func (noSession) HandleMessage(context.Context, Message) Result {
	return ErrorResult("No plugin to handle this message")
}
func (noSession) SetupMedia() {}
func (noSession) Hangup()     {}
func (noSession) Destroy()    {}
