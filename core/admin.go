package core

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// HandleAdmin processes one Admin API request (janus-reference.md section
// 3) and returns the response JSON. Safe for concurrent use.
func (g *Gateway) HandleAdmin(ctx context.Context, c Client, raw []byte, p PathIDs) []byte {
	r, done := g.request(c, raw, p)
	if done != nil {
		return done
	}
	secret := optString(r.m, "admin_secret")
	if r.sid == 0 && r.hid == 0 {
		if !g.checkAdminSecret(secret) {
			return r.fail(apiErr(CodeUnauthorized, ""))
		}
		return g.adminGlobal(ctx, r)
	}
	if r.sid == 0 {
		return r.fail(apiErr(CodeSessionNotFound, ""))
	}
	if !g.checkAdminSecret(secret) {
		return r.fail(apiErr(CodeUnauthorized, ""))
	}
	if r.s = g.session(r.sid); r.s == nil {
		return r.fail(apiErr(CodeSessionNotFound, "No such session %d", uint64(r.sid)))
	}
	if !r.hasH {
		return g.adminSession(r)
	}
	if r.hid < 1 {
		return r.fail(apiErr(CodeSessionNotFound, "Invalid handle"))
	}
	if r.h = r.s.handle(r.hid); r.h == nil {
		return r.fail(apiErr(CodeHandleNotFound, "No such handle %d in session %d", uint64(r.hid), uint64(r.sid)))
	}
	return g.adminHandle(r)
}

func (r *janusReq) unhandled() []byte {
	return r.fail(apiErr(CodeInvalidRequestPath, "Unhandled request '%s' at this path", r.raw))
}

// adminGlobal handles requests with no session (janus-reference.md 3.1).
func (g *Gateway) adminGlobal(ctx context.Context, r *janusReq) []byte {
	switch r.verb {
	case "get_status":
		return mustJSON(r.reply("success").set("status", g.status()))
	case "set_session_timeout":
		n, _, e := r.f.integer("timeout", true, true)
		if e != nil {
			return r.fail(e)
		}
		g.sessionTimeout.Store(int64(time.Duration(n) * time.Second))
		return mustJSON(r.reply("success").set("timeout", n))
	case "set_log_level":
		n, _, e := r.f.integer("level", true, false)
		if e != nil {
			return r.fail(e)
		}
		if n < 0 || n > 7 {
			return r.fail(apiErr(CodeInvalidElementType, "Invalid element type (level should be between 0 and 7)"))
		}
		g.cfg.LogLevel.Set(slogLevel(int(n)))
		g.admin.update(func(s *adminState) { s.logLevel = int(n) })
		return mustJSON(r.reply("success").set("level", n))
	case "set_locking_debug", "set_refcount_debug", "set_log_timestamps", "set_log_colors",
		"set_libnice_debug", "set_nack_optimizations", "accept_new_sessions":
		return g.adminToggle(r)
	case "set_min_nack_queue", "set_no_media_timer", "set_slowlink_threshold":
		return g.adminNumber(r)
	case "message_plugin":
		return g.adminMessagePlugin(ctx, r)
	case "query_eventhandler":
		return g.adminQueryHandler(ctx, r)
	case "query_transport":
		if _, _, e := r.f.str("transport", true); e != nil {
			return r.fail(e)
		}
		return r.fail(apiErr(CodePluginNotFound, "Invalid transport"))
	case "query_logger":
		if _, _, e := r.f.str("logger", true); e != nil {
			return r.fail(e)
		}
		return r.fail(apiErr(CodePluginNotFound, "Invalid logger"))
	case "custom_event":
		return g.adminCustomEvent(r)
	case "custom_logline":
		line, _, e := r.f.str("line", true)
		if e != nil {
			return r.fail(e)
		}
		lvl, ok, e := r.f.integer("level", false, true)
		if e != nil {
			return r.fail(e)
		}
		if !ok {
			lvl = 4
		}
		g.log.Log(ctx, slogLevel(int(min(lvl, 7))), line, "source", "custom_logline")
		return mustJSON(r.reply("success"))
	case "list_sessions":
		return mustJSON(r.reply("success").set("sessions", g.sessionIDs()))
	case "resolve_address":
		return g.adminResolve(ctx, r)
	case "loops_info":
		return mustJSON(r.reply("success").set("loops", []any{}))
	case "add_token", "allow_token", "disallow_token", "list_tokens", "remove_token":
		return g.adminTokens(r)
	}
	return r.unhandled()
}

func (g *Gateway) status() obj {
	st := g.admin.snapshot()
	return obj{}.
		set("token_auth", g.cfg.TokenAuth).
		set("session_timeout", seconds(time.Duration(g.sessionTimeout.Load()))).
		set("reclaim_session_timeout", seconds(g.cfg.ReclaimTimeout)).
		set("candidates_timeout", seconds(g.cfg.CandidatesTimeout)).
		set("log_level", st.logLevel).
		set("log_timestamps", st.logTimestamps).
		set("log_colors", st.logColors).
		set("locking_debug", st.lockingDebug).
		set("refcount_debug", st.refcountDebug).
		set("libnice_debug", st.libniceDebug).
		set("min_nack_queue", st.minNackQueue).
		set("nack-optimizations", st.nackOptimizations).
		set("no_media_timer", st.noMediaTimer).
		set("slowlink_threshold", st.slowlinkThreshold)
}

// adminToggle handles the boolean set_* requests and accept_new_sessions.
func (g *Gateway) adminToggle(r *janusReq) []byte {
	in := "debug"
	var out string
	var apply func(*adminState, bool)
	switch r.verb {
	case "set_locking_debug":
		out, apply = "locking_debug", func(s *adminState, b bool) { s.lockingDebug = b }
	case "set_refcount_debug":
		out, apply = "refcount_debug", func(s *adminState, b bool) { s.refcountDebug = b }
	case "set_libnice_debug":
		out, apply = "libnice_debug", func(s *adminState, b bool) { s.libniceDebug = b }
	case "set_log_timestamps":
		in, out, apply = "timestamps", "log_timestamps", func(s *adminState, b bool) { s.logTimestamps = b }
	case "set_log_colors":
		in, out, apply = "colors", "log_colors", func(s *adminState, b bool) { s.logColors = b }
	case "set_nack_optimizations":
		in, out, apply = "nack_optimizations", "nack-optimizations",
			func(s *adminState, b bool) { s.nackOptimizations = b }
	default: // accept_new_sessions
		in, out = "accept", "accept"
	}
	b, _, e := r.f.boolean(in, true)
	if e != nil {
		return r.fail(e)
	}
	if apply != nil {
		g.admin.update(func(s *adminState) { apply(s, b) })
	} else {
		g.mu.Lock()
		g.accepting = b
		g.mu.Unlock()
	}
	return mustJSON(r.reply("success").set(out, b))
}

// adminNumber handles the integer set_* requests.
func (g *Gateway) adminNumber(r *janusReq) []byte {
	key := r.verb[len("set_"):]
	n, _, e := r.f.integer(key, true, true)
	if e != nil {
		return r.fail(e)
	}
	g.admin.update(func(s *adminState) {
		switch key {
		case "min_nack_queue":
			s.minNackQueue = n
		case "no_media_timer":
			s.noMediaTimer = n
		default:
			s.slowlinkThreshold = n
		}
	})
	return mustJSON(r.reply("success").set(key, n))
}

func (g *Gateway) adminMessagePlugin(ctx context.Context, r *janusReq) []byte {
	pkg, req, e := r.adminTarget("plugin")
	if e != nil {
		return r.fail(e)
	}
	p, ok := g.plugins[pkg]
	if !ok {
		return r.fail(apiErr(CodePluginNotFound, "Invalid plugin"))
	}
	am, ok := p.(AdminMessenger)
	if !ok {
		return r.fail(apiErr(CodeUnknown, "Plugin doesn't support Admin API messages"))
	}
	return g.adminResponse(r, am.HandleAdminMessage(ctx, req))
}

func (g *Gateway) adminQueryHandler(ctx context.Context, r *janusReq) []byte {
	name, req, e := r.adminTarget("handler")
	if e != nil {
		return r.fail(e)
	}
	eh, ok := g.cfg.EventHandlers[name]
	if !ok || eh == nil {
		return r.fail(apiErr(CodePluginNotFound, "Invalid event handler"))
	}
	return g.adminResponse(r, eh.Query(ctx, req))
}

// adminTarget reads what message_plugin and query_eventhandler name under
// key, and their optional "request" object ({} when absent).
func (r *janusReq) adminTarget(key string) (string, json.RawMessage, *APIError) {
	name, _, e := r.f.str(key, true)
	if e != nil {
		return "", nil, e
	}
	if _, _, e := r.f.object("request", false); e != nil {
		return "", nil, e
	}
	req := rawMember(r.m, "request")
	if req == nil {
		req = json.RawMessage("{}")
	}
	return name, req, nil
}

// adminResponse renders {"janus":"success","transaction","response":...}.
func (g *Gateway) adminResponse(r *janusReq, resp any) []byte {
	if resp == nil {
		resp = obj{}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return r.fail(apiErr(CodeUnknown, "Invalid response"))
	}
	return mustJSON(r.reply("success").set("response", json.RawMessage(b)))
}

func (g *Gateway) adminCustomEvent(r *janusReq) []byte {
	schema, _, e := r.f.str("schema", true)
	if e != nil {
		return r.fail(e)
	}
	if _, _, e := r.f.object("data", true); e != nil {
		return r.fail(e)
	}
	g.emit(telemetry.TypeExternal, 0, 0, 0, "",
		telemetry.ExternalBody{Schema: schema, Data: rawMember(r.m, "data")})
	return mustJSON(r.reply("success"))
}

func (g *Gateway) sessionIDs() []uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := make([]uint64, 0, len(g.sessions))
	for id := range g.sessions {
		ids = append(ids, uint64(id))
	}
	slices.Sort(ids)
	return ids
}

// adminSession handles session-level requests (janus-reference.md 3.2).
func (g *Gateway) adminSession(r *janusReq) []byte {
	switch r.verb {
	case "list_handles":
		hs := r.s.handleList()
		ids := make([]uint64, 0, len(hs))
		for _, h := range hs {
			ids = append(ids, uint64(h.id))
		}
		slices.Sort(ids)
		return mustJSON(r.reply("success").set("handles", ids))
	case "destroy_session":
		return g.apiDestroy(r)
	case "set_session_timeout":
		n, _, e := r.f.integer("timeout", true, false)
		if e != nil {
			return r.fail(e)
		}
		if n < -1 {
			return r.fail(apiErr(CodeInvalidElementType,
				"Invalid element type (timeout should be a non-negative integer or -1)"))
		}
		r.s.mu.Lock()
		r.s.timeout = n
		r.s.mu.Unlock()
		return mustJSON(obj{}.set("janus", "success").set("transaction", *r.tr).
			set("timeout", n).set("session_id", uint64(r.sid)))
	}
	return r.unhandled()
}

// adminHandle handles handle-level requests (janus-reference.md 3.3).
func (g *Gateway) adminHandle(r *janusReq) []byte {
	switch r.verb {
	case "detach_handle":
		return g.apiDetach(r)
	case "hangup_webrtc":
		return g.apiHangup(r, "Admin API")
	case "handle_info":
		only, _, e := r.f.boolean("plugin_only", false)
		if e != nil {
			return r.fail(e)
		}
		return mustJSON(r.reply("success").set("handle_id", uint64(r.hid)).set("info", g.handleInfo(r.h, only)))
	case "start_pcap", "start_text2pcap":
		return r.fail(apiErr(CodeUnknown, "Error starting pcap dump"))
	case "stop_pcap", "stop_text2pcap":
		return r.fail(apiErr(CodeUnknown, "Capture not started"))
	}
	return r.unhandled()
}

// adminResolve resolves a host name (Admin resolve_address).
func (g *Gateway) adminResolve(ctx context.Context, r *janusReq) []byte {
	addr, _, e := r.f.str("address", true)
	if e != nil {
		return r.fail(e)
	}
	start := time.Now()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, addr)
	if err != nil || len(ips) == 0 {
		return r.fail(apiErr(CodeUnknown, "Could not resolve address"))
	}
	return mustJSON(r.reply("success").set("ip", ips[0].IP.String()).
		set("elapsed", time.Since(start).Microseconds()))
}
