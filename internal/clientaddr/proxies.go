package clientaddr

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ErrBadProxy is returned by ParseProxies for an entry that is neither an
// address nor a CIDR.
var ErrBadProxy = errors.New("invalid trusted proxy")

// Proxies are the reverse proxies whose forwarding header is believed
// (-trusted-proxies), and which header that is (-trusted-proxy-header;
// WithHeader). The zero value trusts nobody, so no header is ever read. A
// Proxies is read-only once built and safe to share.
type Proxies struct {
	nets   []netip.Prefix
	header Header
}

// ParseProxies parses a comma-separated list of CIDRs ("10.0.0.0/8",
// "2001:db8::/48") and addresses ("192.0.2.1", "::1"); blanks around the
// entries are ignored and "" trusts nobody. IPv4-mapped IPv6 entries are
// taken as IPv4, as connections' addresses are. The proxies' header is
// HeaderXForwardedFor; WithHeader picks another.
func ParseProxies(s string) (Proxies, error) {
	var p Proxies
	for e := range strings.SplitSeq(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		n, ok := parseNet(e)
		if !ok {
			return Proxies{}, fmt.Errorf("%w: %q", ErrBadProxy, e)
		}
		p.nets = append(p.nets, n)
	}
	return p, nil
}

// parseNet parses one entry of ParseProxies: an address is a one-address
// prefix.
func parseNet(e string) (netip.Prefix, bool) {
	if !strings.Contains(e, "/") {
		a, err := netip.ParseAddr(e)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	n, err := netip.ParsePrefix(e)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := n.Addr(); a.Is4In6() {
		if n.Bits() < 96 {
			return netip.Prefix{}, false
		}
		n = netip.PrefixFrom(a.Unmap(), n.Bits()-96)
	}
	return n.Masked(), true
}

// WithHeader returns p reading header h instead of its own.
func (p Proxies) WithHeader(h Header) Proxies {
	p.header = h
	return p
}

// Header returns the one forwarding header p reads.
func (p Proxies) Header() Header { return p.header }

// Empty reports whether p trusts nobody.
func (p Proxies) Empty() bool { return len(p.nets) == 0 }

// Trusted reports whether a is one of the trusted proxies.
func (p Proxies) Trusted(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// String lists p as ParseProxies reads it.
func (p Proxies) String() string {
	s := make([]string, len(p.nets))
	for i, n := range p.nets {
		s[i] = n.String()
	}
	return strings.Join(s, ",")
}

// Client returns the address of the client of a request that came from
// peer with headers h, and whether it was forwarded. Only when peer is a
// trusted proxy is a header read, and only p's own (Header), whatever
// others the request carries:
//
//   - X-Forwarded-For: its addresses;
//   - Forwarded (RFC 7239): the for= of its elements;
//   - X-Real-IP: its one address, taken as is.
//
// Each proxy appends the address it got a request from, so a list is
// walked from the right, past the addresses of trusted proxies, and the
// first untrusted one is the client (what a client wrote itself stands
// left of it and is never reached). When every address is trusted the
// leftmost one is. X-Forwarded-For has no quoted strings and is split at
// every comma; Forwarded is split line by line, and a line that leaves a
// quote open at every comma (forwardedElems), so no stray quote of a
// client's swallows what its proxy appends. An element that is not an
// address (garbage, a Forwarded "unknown" or obfuscated "_node", an
// element without for=, or with a malformed pair) where the walk needs
// one leaves the peer as the client: nothing is guessed. So does an
// X-Real-IP that is not one address on one field line (a proxy sets it,
// replacing the client's, so a second line is not the proxy's doing). An absent or blank header leaves the peer too. A
// forwarded address has the port its header gave, else 0; an IPv4-mapped
// one is taken as IPv4 and a zone is dropped.
func (p Proxies) Client(peer netip.AddrPort, h http.Header) (netip.AddrPort, bool) {
	if len(p.nets) == 0 || !p.Trusted(peer.Addr()) {
		return peer, false
	}
	vs := h.Values(p.header.String())
	if !present(vs) {
		return peer, false
	}
	switch p.header {
	case HeaderXForwardedFor:
		// No quoted strings: a client's stray quote must not swallow the
		// proxy's appended address.
		return p.walk(peer, strings.Split(strings.Join(vs, ","), ","), node)
	case HeaderForwarded:
		return p.walk(peer, forwardedElems(vs), forwardedFor)
	case HeaderXRealIP:
		if len(vs) != 1 {
			return peer, false
		}
		if a, ok := node(strings.TrimSpace(vs[0])); ok {
			return a, true
		}
	}
	return peer, false
}

// walk returns the client a list header's elems name, walking them from
// the right past trusted proxies (Client), each parsed by parse; the peer
// when an element it needs is not an address.
func (p Proxies) walk(peer netip.AddrPort, elems []string, parse func(string) (netip.AddrPort, bool)) (netip.AddrPort, bool) {
	var client netip.AddrPort
	for i := len(elems) - 1; i >= 0; i-- {
		e := strings.TrimSpace(elems[i])
		if e == "" {
			continue // an empty list element (RFC 9110 5.6.1)
		}
		a, ok := parse(e)
		if !ok {
			return peer, false
		}
		client = a
		if !p.Trusted(a.Addr()) {
			break
		}
	}
	if !client.Addr().IsValid() {
		return peer, false
	}
	return client, true
}

// present reports whether one of a header's values vs is not blank.
func present(vs []string) bool {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// forwardedElems returns the elements of a Forwarded header's field
// lines vs, in order. Each line is split at its commas outside quoted
// strings, as a quoted string never spans lines. A line that leaves a
// quote open is split at every comma instead: a client that writes
// `for=192.0.2.1;x="` would otherwise swallow the element its proxy
// appends to the line (`, for=203.0.113.7`), and the walk would take the
// client's for=. Split so, the proxy's element, right of all the client
// wrote, is whole again, and the client's broken one is malformed where
// the walk reaches it (a quoted comma in a proxy's own element there
// leaves the peer: nothing is guessed).
func forwardedElems(vs []string) []string {
	var out []string
	for _, v := range vs {
		elems, closed := split(v, ',')
		if !closed {
			elems = strings.Split(v, ",")
		}
		out = append(out, elems...)
	}
	return out
}

// forwardedFor returns the address of the for= parameter of one Forwarded
// element ("for=192.0.2.60;proto=http;by=203.0.113.43"). Every pair of
// the element must be well formed (a token, "=", then a token or a
// quoted string; blanks around them are let pass) and for= must occur
// once: an element with a broken pair is not the proxy's.
func forwardedFor(elem string) (netip.AddrPort, bool) {
	pairs, closed := split(elem, ';')
	if !closed {
		return netip.AddrPort{}, false
	}
	var (
		addr string
		seen bool
	)
	for _, pair := range pairs {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue // an empty pair (RFC 7239 4)
		}
		k, v, ok := strings.Cut(pair, "=")
		if k = strings.TrimSpace(k); !ok || !isToken(k) {
			return netip.AddrPort{}, false
		}
		v, ok = unquote(strings.TrimSpace(v))
		if !ok {
			return netip.AddrPort{}, false
		}
		if strings.EqualFold(k, "for") {
			if seen {
				return netip.AddrPort{}, false
			}
			addr, seen = v, true
		}
	}
	if !seen {
		return netip.AddrPort{}, false
	}
	return node(addr)
}

// isToken reports whether s is a token (RFC 9110 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// node parses a node as the headers write it: "192.0.2.1",
// "192.0.2.1:4711", "[2001:db8::1]", "[2001:db8::1]:4711" or a bare
// "2001:db8::1".
func node(s string) (netip.AddrPort, bool) {
	var (
		ap  netip.AddrPort
		err error
	)
	switch {
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		var a netip.Addr
		a, err = netip.ParseAddr(s[1 : len(s)-1])
		ap = netip.AddrPortFrom(a, 0)
	case strings.Count(s, ":") == 1 || strings.HasPrefix(s, "["):
		ap, err = netip.ParseAddrPort(s)
	default:
		var a netip.Addr
		a, err = netip.ParseAddr(s)
		ap = netip.AddrPortFrom(a, 0)
	}
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
}

// split splits s at every sep outside a quoted string (RFC 9110 5.6.4,
// backslash escapes included), and reports whether s left no quoted
// string open.
func split(s string, sep byte) ([]string, bool) {
	var out []string
	quoted, escaped, start := false, false, 0
	for i := range len(s) {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:]), !quoted
}

// unquote returns a token as is and a quoted string's content, its escapes
// resolved. A token must be non-empty and have no quote, blank or control
// character; it may hold the ":" and "[]" a node needs, which proxies
// write unquoted though RFC 7239 wants them quoted. False for anything
// else, an unterminated quoted string among them.
func unquote(v string) (string, bool) {
	if !strings.HasPrefix(v, `"`) {
		for i := range len(v) {
			if c := v[i]; c <= ' ' || c == '"' || c == 0x7f {
				return "", false
			}
		}
		return v, v != ""
	}
	if len(v) < 2 || !strings.HasSuffix(v, `"`) {
		return "", false
	}
	var b strings.Builder
	escaped := false
	for i := 1; i < len(v)-1; i++ {
		c := v[i]
		switch {
		case (c < ' ' && c != '\t') || c == 0x7f:
			return "", false
		case escaped:
			escaped = false
			b.WriteByte(c)
		case c == '\\':
			escaped = true
		case c == '"':
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), !escaped
}
