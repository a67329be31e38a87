package wire

import (
	"net/http"
	"strings"
)

// MaxAge is the Access-Control-Max-Age Janus sends (one day, janus-reference.md 1.6).
const MaxAge = "86400"

// SetCORS adds Janus's CORS headers to w: Allow-Origin "*" unless allowOrigin
// is set (then that value plus Allow-Credentials), Max-Age 86400, and the
// echoed Access-Control-Request-Method/-Headers (janus-reference.md 1.6).
func SetCORS(w http.ResponseWriter, r *http.Request, allowOrigin string) {
	h := w.Header()
	if allowOrigin == "" {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", allowOrigin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Max-Age", MaxAge)
	if m := r.Header.Get("Access-Control-Request-Method"); m != "" {
		h.Set("Access-Control-Allow-Methods", m)
	}
	if hd := r.Header.Get("Access-Control-Request-Headers"); hd != "" {
		h.Set("Access-Control-Allow-Headers", hd)
	}
}

// OriginAllowed reports whether r passes Janus's enforce_cors check: with
// enforcement on and allowOrigin set, the Origin header must start with
// allowOrigin. Without enforcement every request passes.
func OriginAllowed(r *http.Request, allowOrigin string, enforce bool) bool {
	if !enforce || allowOrigin == "" {
		return true
	}
	return strings.HasPrefix(r.Header.Get("Origin"), allowOrigin)
}
