package web

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

// ConsoleAPIPrefix is where the console's data API lives (the history
// sink's Handler).
const ConsoleAPIPrefix = ConsolePrefix + "api/"

// ConsoleOptions guard the console's data API.
type ConsoleOptions struct {
	// Secret is the admin secret every API request must carry as
	// "Authorization: Bearer <secret>". Required unless Open.
	Secret string
	// Open serves the API without the secret. Meant only for the default
	// set-up: the Admin listener on loopback with the sample secret that
	// everybody knows anyway. Even then requests must name a loopback Host
	// (localhost, 127.0.0.1, [::1]), so a web page cannot reach the API
	// through DNS rebinding.
	Open bool
}

// unauthorized is the answer to an API request without the secret: the
// Janus API's error code for a wrong or missing secret.
var unauthorized = map[string]any{"error_code": 403, "error": "Unauthorized request (wrong or missing secret/token)"}

// Console serves the whole event console at ConsolePrefix: its page,
// script and styles (with the demo pages' style.css and favicon, so the
// Admin listener needs nothing else) and, under ConsoleAPIPrefix, api
// behind the guard of opts. The page holds no data: everything a session
// reveals (tokens, SDPs, the live tail) comes from the API.
func Console(api http.Handler, opts ConsoleOptions) http.Handler {
	static := ConsoleHandler()
	shared := staticHandler(files)
	guarded := guard(api, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, ConsoleAPIPrefix):
			guarded.ServeHTTP(w, r)
		case p == ConsolePrefix+"style.css" || p == ConsolePrefix+"favicon.svg":
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimPrefix(p, strings.TrimSuffix(ConsolePrefix, "/"))
			shared.ServeHTTP(w, r2)
		default:
			static.ServeHTTP(w, r)
		}
	})
}

// guard checks the bearer secret (or, when open, the loopback Host)
// before api sees the request.
func guard(api http.Handler, opts ConsoleOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if opts.Open {
			if !loopbackHost(r.Host) {
				writeError(w, http.StatusForbidden, map[string]any{"error_code": 403, "error": "the open console answers only a loopback Host"})
				return
			}
			api.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || opts.Secret == "" || subtle.ConstantTimeCompare([]byte(token), []byte(opts.Secret)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="argus console"`)
			writeError(w, http.StatusUnauthorized, unauthorized)
			return
		}
		api.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client went away; nothing to do
}

// loopbackHost reports whether a Host header names this machine by a
// loopback address or localhost.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
