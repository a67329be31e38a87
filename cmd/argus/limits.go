package main

import (
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	nethttp "net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/clientaddr"
	"github.com/argusrtc/argus/internal/connlimit"
	"github.com/argusrtc/argus/internal/refusals"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
)

// limits are the hardening flags: what one client may make Argus hold and
// how long a slow client may hold a connection. docs/SECURITY.md lists each
// with its default and the attack it bounds.
type limits struct {
	MaxSessions          int
	MaxHandlesPerSession int
	MaxPendingTrickles   int
	MaxSDPSize           int
	MaxSDPMLines         int
	MaxSessionsPerIP     int // 0 or -1 disables
	MaxPeerConnections   int // 0 or -1 disables
	MaxPeerConnsPerIP    int // 0 or -1 disables
	// IPv6ClientPrefix is the prefix an IPv6 client counts under in the
	// three per-address caps; TrustedProxies the reverse proxies whose
	// forwarding header (-trusted-proxies, -trusted-proxy-header, both in
	// this one value) names the client (clientaddr).
	IPv6ClientPrefix int
	TrustedProxies   clientaddr.Proxies
	// TrustedProxyHeaderSet tells that -trusted-proxy-header (or its
	// variable) was given, so that start-up can warn when it is given
	// without -trusted-proxies: then no header is read.
	TrustedProxyHeaderSet bool

	MaxConns      int // public listeners (http, ws) together
	MaxConnsPerIP int // public listeners, per client address
	AdminMaxConns int // admin listeners (admin, admin-ws, metrics) together

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // headers and body
	WriteTimeout      time.Duration // a response (longer than the long poll)
	IdleTimeout       time.Duration // a kept-alive HTTP connection between requests
	WSPingInterval    time.Duration
	WSIdleTimeout     time.Duration

	AdminAllowOrigin string

	MetricsAddr  string // own listener for /metrics; "" = the Admin listener
	MetricsToken string // bearer token /metrics requires; "" = none
	MetricsBasic string // user:password /metrics requires (basic auth); "" = none
}

// Public connection budget: half the file descriptors (the rest are for
// ICE sockets, the admin listeners and sinks), at most maxAutoConns.
const (
	maxAutoConns         = 16384
	defaultConnsPerIP    = 256
	defaultAdminMaxConns = 64
)

// defaultLimits returns the defaults of the hardening flags.
func defaultLimits() limits {
	return limits{
		MaxSessions:          core.DefaultMaxSessions,
		MaxHandlesPerSession: core.DefaultMaxHandlesPerSession,
		MaxPendingTrickles:   core.DefaultMaxPendingTrickles,
		MaxSDPSize:           core.DefaultMaxSDPSize,
		MaxSDPMLines:         core.DefaultMaxMLines,
		MaxSessionsPerIP:     core.DefaultMaxSessionsPerIP,
		MaxPeerConnections:   core.DefaultMaxPeerConnections,
		MaxPeerConnsPerIP:    core.DefaultMaxPeerConnectionsPerIP,
		MaxConns:             autoMaxConns(),
		MaxConnsPerIP:        defaultConnsPerIP,
		IPv6ClientPrefix:     clientaddr.DefaultIPv6Prefix,
		AdminMaxConns:        defaultAdminMaxConns,
		ReadHeaderTimeout:    readHeaderTimeout,
		ReadTimeout:          30 * time.Second,
		WriteTimeout:         http.DefaultLongPollTimeout + 30*time.Second,
		IdleTimeout:          120 * time.Second,
		WSPingInterval:       websocket.DefaultPingInterval,
		WSIdleTimeout:        websocket.DefaultIdleTimeout,
	}
}

// autoMaxConns is half the soft file-descriptor limit, within [64, maxAutoConns].
func autoMaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1024
	}
	return int(min(max(rl.Cur/2, 64), maxAutoConns))
}

// register binds the hardening flags to fs.
func (l *limits) register(fs *flag.FlagSet) {
	fs.IntVar(&l.MaxSessions, "max-sessions", l.MaxSessions, "live sessions (error 472 beyond); -1 disables")
	fs.IntVar(&l.MaxHandlesPerSession, "max-handles-per-session", l.MaxHandlesPerSession, "handles one session may attach (error 461 beyond); -1 disables")
	fs.IntVar(&l.MaxPendingTrickles, "max-pending-trickles", l.MaxPendingTrickles, "candidates queued on a handle before its PeerConnection exists, or kept from a refused first offer for the retry (error 490 beyond); -1 disables")
	fs.IntVar(&l.MaxSDPSize, "max-sdp-size", l.MaxSDPSize, "`bytes` of a client SDP (error 465 beyond); -1 disables")
	fs.IntVar(&l.MaxSDPMLines, "max-sdp-mlines", l.MaxSDPMLines, "m-lines of a client SDP (error 465 beyond); -1 disables")
	// 0 disables these three, as it does -max-conns-per-ip; -1 too, as it
	// does the flags above (where 0 would mean the default).
	fs.IntVar(&l.MaxSessionsPerIP, "max-sessions-per-ip", l.MaxSessionsPerIP, "live sessions one client address may create over -http and -ws (error 472 beyond); behind a reverse proxy, list it in -trusted-proxies; 0 or -1 disables")
	fs.IntVar(&l.MaxPeerConnections, "max-peerconnections", l.MaxPeerConnections, "live PeerConnections (about 0.5-0.8 MiB each); an offer beyond is answered error 490; 0 or -1 disables")
	fs.IntVar(&l.MaxPeerConnsPerIP, "max-peerconnections-per-ip", l.MaxPeerConnsPerIP, "live PeerConnections of the sessions one client address created over -http and -ws (error 490 beyond), so that one client cannot take all of -max-peerconnections; 0 or -1 disables")
	fs.IntVar(&l.MaxConns, "max-conns", l.MaxConns, "open connections of the public listeners (-http, -ws) together; default: half the file descriptor limit; 0 disables")
	fs.IntVar(&l.MaxConnsPerIP, "max-conns-per-ip", l.MaxConnsPerIP, "open connections of one client address to the public listeners (-trusted-proxies are exempt); 0 disables")
	fs.IntVar(&l.IPv6ClientPrefix, "ipv6-client-prefix", l.IPv6ClientPrefix, "the IPv6 prefix length one client counts under in the -max-*-per-ip caps (32 to 128; 128: each address apart); IPv4 clients count per address")
	fs.Var(proxiesValue{&l.TrustedProxies}, "trusted-proxies", "comma-separated reverse proxy `addresses or CIDRs` whose -trusted-proxy-header names the client of -http and -ws requests (for events, HEP and the -max-*-per-ip caps; their own connections are exempt from -max-conns-per-ip); empty: trust no header")
	fs.Var(proxyHeaderValue{&l.TrustedProxies, &l.TrustedProxyHeaderSet}, "trusted-proxy-header", "the one forwarding `header` the -trusted-proxies set, and the only one read: X-Forwarded-For (nginx proxy_add_x_forwarded_for, HAProxy option forwardfor, AWS ALB, Envoy, Traefik, Caddy), Forwarded (RFC 7239) or X-Real-IP (one address); any case")
	fs.IntVar(&l.AdminMaxConns, "admin-max-conns", l.AdminMaxConns, "open connections of the admin listeners (-admin, -admin-ws, -metrics-addr) together; 0 disables")
	fs.DurationVar(&l.ReadHeaderTimeout, "http-read-header-timeout", l.ReadHeaderTimeout, "time a client has to send a request's headers")
	fs.DurationVar(&l.ReadTimeout, "http-read-timeout", l.ReadTimeout, "time a client has to send a whole request, body included")
	fs.DurationVar(&l.WriteTimeout, "http-write-timeout", l.WriteTimeout, "time to answer a request, long polls included (keep it above 30s)")
	fs.DurationVar(&l.IdleTimeout, "http-idle-timeout", l.IdleTimeout, "time a kept-alive HTTP connection may wait for its next request")
	fs.DurationVar(&l.WSPingInterval, "ws-ping-interval", l.WSPingInterval, "WebSocket ping period; a pong must follow within 20s; negative disables")
	fs.DurationVar(&l.WSIdleTimeout, "ws-idle-timeout", l.WSIdleTimeout, "close a WebSocket that sent no message for this long; negative disables")
	fs.StringVar(&l.AdminAllowOrigin, "admin-allow-origin", l.AdminAllowOrigin, "the one cross-origin web `origin` (https://host) allowed to use the Admin API; same-origin pages always are")
	fs.StringVar(&l.MetricsAddr, "metrics-addr", l.MetricsAddr, "serve /metrics on its own `addr` instead of the Admin listener")
	fs.StringVar(&l.MetricsToken, "metrics-token", l.MetricsToken, "bearer `token` /metrics requires (Prometheus authorization.credentials); empty: none")
	fs.StringVar(&l.MetricsBasic, "metrics-basic-auth", l.MetricsBasic, "`user:password` /metrics requires (Prometheus basic_auth); empty: none")
}

var errBadLimit = errors.New("invalid limit")

// validate refuses limits that cannot work.
func (l *limits) validate() error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"http-read-header-timeout", l.ReadHeaderTimeout}, {"http-read-timeout", l.ReadTimeout}, {"http-write-timeout", l.WriteTimeout}, {"http-idle-timeout", l.IdleTimeout}} {
		if d.v <= 0 {
			return fmt.Errorf("%w: -%s %v must be positive", errBadLimit, d.flag, d.v)
		}
	}
	if l.WriteTimeout <= http.DefaultLongPollTimeout {
		return fmt.Errorf("%w: -http-write-timeout %v must exceed the %v long poll", errBadLimit, l.WriteTimeout, http.DefaultLongPollTimeout)
	}
	if l.IPv6ClientPrefix < clientaddr.MinIPv6Prefix || l.IPv6ClientPrefix > clientaddr.MaxIPv6Prefix {
		return fmt.Errorf("%w: -ipv6-client-prefix %d must be within %d..%d", errBadLimit, l.IPv6ClientPrefix, clientaddr.MinIPv6Prefix, clientaddr.MaxIPv6Prefix)
	}
	if l.MaxConns < 0 || l.MaxConnsPerIP < 0 || l.AdminMaxConns < 0 {
		return fmt.Errorf("%w: connection caps must not be negative", errBadLimit)
	}
	if l.MetricsBasic != "" && !strings.Contains(l.MetricsBasic, ":") {
		return fmt.Errorf("%w: -metrics-basic-auth wants user:password", errBadLimit)
	}
	return nil
}

// coreLimits maps the flags onto core.Limits.
func (l *limits) coreLimits() core.Limits {
	return core.Limits{
		MaxSessions:             l.MaxSessions,
		MaxHandlesPerSession:    l.MaxHandlesPerSession,
		MaxPendingTrickles:      l.MaxPendingTrickles,
		MaxSDPSize:              l.MaxSDPSize,
		MaxMLines:               l.MaxSDPMLines,
		MaxSessionsPerIP:        offIfNotPositive(l.MaxSessionsPerIP),
		MaxPeerConnections:      offIfNotPositive(l.MaxPeerConnections),
		MaxPeerConnectionsPerIP: offIfNotPositive(l.MaxPeerConnsPerIP),
		IPv6ClientPrefix:        l.IPv6ClientPrefix,
	}
}

// publicLimiter is the connection budget of the public listeners: the
// per-IP cap keys clients as the core's caps do, and exempts the trusted
// proxies (whose clients only their headers tell apart).
func (l *limits) publicLimiter(count connlimit.Counter) *connlimit.Limiter {
	return connlimit.NewLimiter(l.MaxConns, l.MaxConnsPerIP, count,
		connlimit.WithIPv6Prefix(l.IPv6ClientPrefix), connlimit.WithTrustedProxies(l.TrustedProxies))
}

// proxiesValue is the -trusted-proxies flag.
type proxiesValue struct{ p *clientaddr.Proxies }

func (v proxiesValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}

func (v proxiesValue) Set(s string) error {
	p, err := clientaddr.ParseProxies(s)
	if err != nil {
		return err
	}
	*v.p = p.WithHeader(v.p.Header()) // -trusted-proxy-header may come first
	return nil
}

// proxyHeaderValue is the -trusted-proxy-header flag: the header of the
// same Proxies -trusted-proxies sets, so one value carries both; set
// records that it was given.
type proxyHeaderValue struct {
	p   *clientaddr.Proxies
	set *bool
}

func (v proxyHeaderValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.Header().String()
}

func (v proxyHeaderValue) Set(s string) error {
	h, err := clientaddr.ParseHeader(s)
	if err != nil {
		return err
	}
	*v.p = v.p.WithHeader(h)
	*v.set = true
	return nil
}

// offIfNotPositive maps a flag where 0 disables onto core.Limits, where
// 0 means the default and a negative value disables.
func offIfNotPositive(v int) int {
	if v <= 0 {
		return -1
	}
	return v
}

// newRefusals returns the counters of every limit, exported at 0 from
// start-up: the core's, the ones of what this program wires itself (the
// WebRTC engine, the HTTP and WebSocket transports, the listeners'
// connection budgets) and the ones every registered plugin declares.
func newRefusals() *refusals.Counters {
	return refusals.New(slices.Concat(
		core.LimitNames(),
		[]string{
			webrtc.LimitNACKResends, webrtc.LimitDataChannelBuffer,
			http.LimitLongPollQueue, websocket.LimitWriteQueue, connlimit.LimitTotal, connlimit.LimitPerIP,
		},
		core.PluginLimitNames(),
	)...)
}

// httpServer returns an http.Server with the deadlines of l.
func (l *limits) httpServer(h nethttp.Handler) *nethttp.Server {
	return &nethttp.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// metricsGuard wraps the Admin listener's handler: /metrics moves to its own
// listener when -metrics-addr is set (404 here) and requires the configured
// bearer token or basic auth.
func (l *limits) metricsGuard(next nethttp.Handler, ownListener bool) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if r.URL.Path != "/metrics" {
			if ownListener {
				nethttp.NotFound(w, r)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if l.MetricsAddr != "" && !ownListener {
			nethttp.NotFound(w, r)
			return
		}
		if !l.metricsAuthorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="argus metrics"`)
			nethttp.Error(w, "unauthorized", nethttp.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsAuthorized checks the bearer token or basic auth, when configured
// (either one suffices when both are).
func (l *limits) metricsAuthorized(r *nethttp.Request) bool {
	if l.MetricsToken == "" && l.MetricsBasic == "" {
		return true
	}
	if l.MetricsToken != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(tok, l.MetricsToken) {
			return true
		}
	}
	if l.MetricsBasic != "" {
		if u, p, ok := r.BasicAuth(); ok && equal(u+":"+p, l.MetricsBasic) {
			return true
		}
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
