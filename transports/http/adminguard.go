package http

import (
	"mime"
	nethttp "net/http"
)

// The Admin API is not a browser API: Janus answers it with the same
// wildcard CORS as the Janus API and reads any body, so a web page the
// operator opens could drive it with a "simple" cross-origin POST
// (text/plain needs no preflight). Argus instead (docs/SECURITY.md):
//   - sends no CORS headers on /admin unless Config.AdminAllowOrigin names
//     the one origin allowed (never "*");
//   - refuses (403) a request whose Origin header is neither the page's own
//     origin (the console served beside /admin) nor AdminAllowOrigin;
//   - refuses a POST whose Content-Type is not application/json, except a
//     POST with neither Content-Type nor Origin (a non-browser client).

// adminJSONBody reports whether a POST to the Admin API carries a JSON
// content type, or is plainly not from a browser.
func adminJSONBody(r *nethttp.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.Header.Get("Origin") == ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// setAdminCORS adds CORS headers for the configured admin origin, if any.
func setAdminCORS(w nethttp.ResponseWriter, r *nethttp.Request, allow string) {
	if allow == "" || allow == "*" || r.Header.Get("Origin") != allow {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", allow)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
}
