package wire

import (
	"net/http"
	"net/url"
	"strings"
)

// AdminOriginAllowed reports whether an Admin API request (HTTP or a
// WebSocket handshake) may proceed given its Origin header: none (not a
// browser), the page's own origin (the console served beside /admin), or
// exactly allow when set ("*" allows nothing extra). Janus accepts any
// origin on the Admin API; Argus does not, so a web page the operator opens
// cannot drive it (docs/SECURITY.md).
func AdminOriginAllowed(r *http.Request, allow string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || (allow != "" && allow != "*" && origin == allow) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
