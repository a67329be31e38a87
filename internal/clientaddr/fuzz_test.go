package clientaddr

import (
	"net/http"
	"net/netip"
	"testing"
)

// FuzzClient: no header makes Client panic, whichever header it reads, and
// what it returns is the peer (not forwarded) or a valid, unzoned,
// unmapped address (forwarded).
func FuzzClient(f *testing.F) {
	for _, s := range []string{
		"for=192.0.2.1", `for="[2001:db8::1]:4711";proto=https, for=10.0.0.1`, `for="\"`, "for=unknown",
		"203.0.113.1, 10.9.9.9", ",,,", `"`, "[::1", "::ffff:1.2.3.4",
	} {
		f.Add(s, s, s)
	}
	p, err := ParseProxies("10.0.0.0/8")
	if err != nil {
		f.Fatal(err)
	}
	peer := netip.MustParseAddrPort("10.0.0.1:1234")
	f.Fuzz(func(t *testing.T, fwd, xff, real string) {
		h := http.Header{"Forwarded": {fwd}, "X-Forwarded-For": {xff}, "X-Real-Ip": {real}}
		for _, hdr := range []Header{HeaderXForwardedFor, HeaderForwarded, HeaderXRealIP} {
			got, ok := p.WithHeader(hdr).Client(peer, h)
			if !ok {
				if got != peer {
					t.Fatalf("%s: not forwarded, but %s is not the peer", hdr, got)
				}
				continue
			}
			if a := got.Addr(); !a.IsValid() || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("%s: forwarded %s", hdr, got)
			}
		}
	})
}

// FuzzClientPrefix: whatever a client writes itself (prefix), the address
// its trusted proxy appends, on the client's header line or on a line of
// its own, is the client when that address is not trusted: no prefix can
// swallow it (an unclosed quote, say) or stand in for it.
func FuzzClientPrefix(f *testing.F) {
	for _, s := range []string{
		"", "192.0.2.1", `"`, `for=1.2.3.4;x="`, `for=1.2.3.4;x="\`, `"\`, `for="[2001:db8::1]`, ",,,", "for=unknown",
		`for=192.0.2.1;ext="a,b"`, `a"b"c`, "\\", "for=1.2.3.4;x=\"\r\n",
	} {
		f.Add(s)
	}
	p, err := ParseProxies("10.0.0.0/8")
	if err != nil {
		f.Fatal(err)
	}
	peer := netip.MustParseAddrPort("10.0.0.1:1234")
	tests := []struct {
		hdr      Header
		appended string // what the proxy writes for its peer
		want     netip.AddrPort
	}{
		{HeaderXForwardedFor, "203.0.113.7", netip.MustParseAddrPort("203.0.113.7:0")},
		{HeaderXForwardedFor, "[2001:db8::7]:4711", netip.MustParseAddrPort("[2001:db8::7]:4711")},
		{HeaderForwarded, "for=203.0.113.7", netip.MustParseAddrPort("203.0.113.7:0")},
		{HeaderForwarded, `for="[2001:db8::7]:4711";proto=https`, netip.MustParseAddrPort("[2001:db8::7]:4711")},
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		for _, tt := range tests {
			name := tt.hdr.String()
			for _, lines := range [][]string{{prefix + ", " + tt.appended}, {prefix, tt.appended}} {
				got, ok := p.WithHeader(tt.hdr).Client(peer, http.Header{name: lines})
				if !ok || got != tt.want {
					t.Fatalf("%s %q: %s, %v; want %s", name, lines, got, ok, tt.want)
				}
			}
		}
	})
}
