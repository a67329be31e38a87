package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// handler serves one API (Janus or Admin) below base.
type handler struct {
	t     *Transport
	base  string
	admin bool
}

// ServeHTTP applies the rules of janus-reference.md 1.6 in order: CORS
// enforcement, OPTIONS, method, path.
func (h *handler) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) {
	t := h.t
	if t.closed() {
		w.WriteHeader(nethttp.StatusServiceUnavailable)
		return
	}
	if h.admin {
		if !wire.AdminOriginAllowed(r, t.cfg.AdminAllowOrigin) {
			w.WriteHeader(nethttp.StatusForbidden)
			return
		}
		setAdminCORS(w, r, t.cfg.AdminAllowOrigin)
	} else {
		wire.SetCORS(w, r, t.cfg.AllowOrigin)
		if !wire.OriginAllowed(r, t.cfg.AllowOrigin, t.cfg.EnforceCORS) {
			w.WriteHeader(nethttp.StatusForbidden)
			return
		}
	}
	c := t.newClient(r, h.admin)
	switch r.Method {
	case nethttp.MethodOptions:
		w.WriteHeader(nethttp.StatusOK)
		return
	case nethttp.MethodGet, nethttp.MethodPost:
	default:
		writeJSON(w, wire.ErrorJSON(wire.CodeTransportSpecific, "Unsupported method "+r.Method))
		return
	}
	rt, err := parsePath(h.base, r.URL.Path)
	if err != nil {
		nethttp.NotFound(w, r)
		return
	}
	if r.Method == nethttp.MethodGet {
		h.get(w, r, c, rt)
		return
	}
	h.post(w, r, c, rt)
}

// get serves GET: info, the long poll and the handle-path redirect.
func (h *handler) get(w nethttp.ResponseWriter, r *nethttp.Request, c *client, rt route) {
	switch {
	case rt.kind == pathInfo:
		h.writeCore(w, r, c, infoRequest(), core.PathIDs{})
	case rt.kind == pathPing: // Janus 1.2+: a health check needing no body or secret
		h.writeCore(w, r, c, pingRequest(), core.PathIDs{})
	case h.admin || rt.kind == pathRoot:
		nethttp.NotFound(w, r)
	case rt.kind == pathHandle:
		// The redirect counts as a keepalive (Janus), so it is authorized
		// as the long poll is, before it changes anything.
		q := r.URL.Query()
		if !h.t.cfg.Gateway.CheckAuth(q.Get("apisecret"), q.Get("token")) {
			w.WriteHeader(nethttp.StatusForbidden)
			return
		}
		h.t.cfg.Gateway.Touch(rt.ids.Session)
		loc := fmt.Sprintf("%s/%d", h.base, rt.ids.Session)
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(nethttp.StatusFound)
	default:
		h.t.longPoll(w, r, rt.ids.Session)
	}
}

// post serves POST: read, validate and hand the body to the core.
func (h *handler) post(w nethttp.ResponseWriter, r *nethttp.Request, c *client, rt route) {
	if rt.kind == pathPing { // as Janus 1.2: GET only, else an empty 400
		w.WriteHeader(nethttp.StatusBadRequest)
		return
	}
	if rt.kind == pathInfo {
		if h.admin {
			writeJSON(w, wire.ErrorJSON(wire.CodeTransportSpecific, "Use GET for the info endpoint"))
			return
		}
		w.WriteHeader(nethttp.StatusBadRequest)
		return
	}
	if h.admin && !adminJSONBody(r) {
		writeJSON(w, wire.ErrorJSON(wire.CodeTransportSpecific, "Unsupported Content-Type: the Admin API takes application/json"))
		return
	}
	body, err := io.ReadAll(nethttp.MaxBytesReader(w, r.Body, h.t.cfg.MaxBody))
	if err != nil {
		var tooBig *nethttp.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, wire.ErrorJSON(wire.CodeInvalidJSON, "Request payload too large"))
			return
		}
		h.t.cfg.Logger.Debug("http transport: reading body", slog.Any("error", err))
		return
	}
	if len(body) == 0 {
		writeJSON(w, wire.ErrorJSON(wire.CodeInvalidJSON, "Request payload missing"))
		return
	}
	if !json.Valid(body) {
		writeJSON(w, wire.ErrorJSON(wire.CodeInvalidJSON, wire.JSONErrorReason(body)))
		return
	}
	h.writeCore(w, r, c, body, rt.ids)
}

// writeCore passes raw to the core and writes its answer.
func (h *handler) writeCore(w nethttp.ResponseWriter, r *nethttp.Request, c *client, raw []byte, p core.PathIDs) {
	gw := h.t.cfg.Gateway
	ctx, cancel := context.WithTimeout(r.Context(), h.t.cfg.RequestTimeout)
	defer cancel()
	var resp []byte
	if h.admin {
		resp = gw.HandleAdmin(ctx, c, raw, p)
	} else {
		resp = gw.HandleJanus(ctx, c, raw, p)
	}
	writeJSON(w, resp)
}

// pingRequest synthesizes the request GET /<base>/ping stands for.
func pingRequest() []byte {
	return fmt.Appendf(nil, `{"janus":"ping","transaction":"%s"}`, randomTransaction())
}

// infoRequest synthesizes the request GET /<base>/info stands for.
func infoRequest() []byte {
	return fmt.Appendf(nil, `{"janus":"info","transaction":"%s"}`, randomTransaction())
}

// writeJSON writes a Janus outcome: always HTTP 200 application/json.
func writeJSON(w nethttp.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(nethttp.StatusOK)
	_, _ = w.Write(b)
}
