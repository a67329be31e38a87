package clientaddr

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadHeader is returned by ParseHeader for a name that is not one of
// the forwarding headers Client can read.
var ErrBadHeader = errors.New("invalid trusted proxy header")

// Header is the one forwarding header the trusted proxies set
// (-trusted-proxy-header), and the only one Client reads: a proxy that
// sets one header passes a client's other ones through untouched (nginx
// does so with Forwarded when it appends X-Forwarded-For), so reading any
// header but the proxy's own would let a client pick its address. The
// zero value is HeaderXForwardedFor, the default.
type Header uint8

// The forwarding headers.
const (
	// HeaderXForwardedFor is X-Forwarded-For, a list each proxy appends
	// its peer to: what nginx (proxy_add_x_forwarded_for), HAProxy
	// (option forwardfor), AWS ALB, Envoy, Traefik and Caddy send.
	HeaderXForwardedFor Header = iota
	// HeaderForwarded is Forwarded (RFC 7239), its elements' for=.
	HeaderForwarded
	// HeaderXRealIP is X-Real-IP, a single address the proxy sets (nginx
	// proxy_set_header X-Real-IP $remote_addr), taken as is.
	HeaderXRealIP
)

// ParseHeader returns the Header named s, in any case ("x-real-ip"); blanks
// around it are ignored.
func ParseHeader(s string) (Header, error) {
	for _, h := range []Header{HeaderXForwardedFor, HeaderForwarded, HeaderXRealIP} {
		if strings.EqualFold(strings.TrimSpace(s), h.String()) {
			return h, nil
		}
	}
	return HeaderXForwardedFor, fmt.Errorf("%w: %q (want %s, %s or %s)", ErrBadHeader, s,
		HeaderXForwardedFor, HeaderForwarded, HeaderXRealIP)
}

// String returns the header's name as ParseHeader reads it.
func (h Header) String() string {
	switch h {
	case HeaderXForwardedFor:
		return "X-Forwarded-For"
	case HeaderForwarded:
		return "Forwarded"
	case HeaderXRealIP:
		return "X-Real-IP"
	}
	return fmt.Sprintf("Header(%d)", uint8(h))
}
