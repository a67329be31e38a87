package clientaddr

import (
	"errors"
	"net/http"
	"net/netip"
	"testing"
)

func TestParseProxies(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{" , ", "", false},
		{"127.0.0.1", "127.0.0.1/32", false},
		{"10.1.2.3/8, ::1 ,2001:db8::/48", "10.0.0.0/8,::1/128,2001:db8::/48", false},
		{"::ffff:10.0.0.1", "10.0.0.1/32", false},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", false},
		{"10.0.0.1,nginx", "", true},
		{"10.0.0.0/33", "", true},
		{"fe80::1%eth0", "", true},
		{"::ffff:0.0.0.0/90", "", true},
	}
	for _, tt := range tests {
		p, err := ParseProxies(tt.in)
		if tt.err {
			if !errors.Is(err, ErrBadProxy) {
				t.Errorf("ParseProxies(%q): err %v, want ErrBadProxy", tt.in, err)
			}
			continue
		}
		if err != nil || p.String() != tt.want || p.Empty() != (tt.want == "") {
			t.Errorf("ParseProxies(%q) = %q, %v; want %q", tt.in, p, err, tt.want)
		}
	}
}

func TestClient(t *testing.T) {
	trusted, err := ParseProxies("10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	fwd, real := trusted.WithHeader(HeaderForwarded), trusted.WithHeader(HeaderXRealIP)
	proxy := netip.MustParseAddrPort("10.0.0.5:40000")
	stranger := netip.MustParseAddrPort("198.51.100.9:40000")
	tests := []struct {
		name      string
		proxies   Proxies
		peer      netip.AddrPort
		hdr       map[string][]string
		want      string // "" = the peer
		forwarded bool
	}{
		{"no header", trusted, proxy, nil, "", false},
		{"spoofed XFF from an untrusted peer", trusted, stranger, map[string][]string{"X-Forwarded-For": {"203.0.113.1"}}, "", false},
		{"spoofed Forwarded from an untrusted peer", fwd, stranger, map[string][]string{"Forwarded": {"for=203.0.113.1"}}, "", false},
		{"nobody trusted", Proxies{}, proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.1"}}, "", false},
		{"XFF one hop", trusted, proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.1"}}, "203.0.113.1:0", true},
		// The client wrote 192.0.2.66 itself; the first proxy appended the
		// client's address, the second proxy the first one's.
		{"XFF chain of proxies", trusted, proxy, map[string][]string{"X-Forwarded-For": {"192.0.2.66, 203.0.113.1, 10.9.9.9"}}, "203.0.113.1:0", true},
		{"XFF over several header lines", trusted, proxy, map[string][]string{"X-Forwarded-For": {"192.0.2.66", "203.0.113.1, 10.9.9.9"}}, "203.0.113.1:0", true},
		{"XFF all trusted: the leftmost", trusted, proxy, map[string][]string{"X-Forwarded-For": {"10.1.1.1, 10.9.9.9"}}, "10.1.1.1:0", true},
		{"XFF IPv6 and port", trusted, proxy, map[string][]string{"X-Forwarded-For": {"[2001:db8::7]:4711"}}, "[2001:db8::7]:4711", true},
		{"XFF bare IPv6", trusted, proxy, map[string][]string{"X-Forwarded-For": {"2001:db8::7"}}, "[2001:db8::7]:0", true},
		{"XFF IPv4-mapped", trusted, proxy, map[string][]string{"X-Forwarded-For": {"::ffff:203.0.113.1"}}, "203.0.113.1:0", true},
		{"XFF empty elements", trusted, proxy, map[string][]string{"X-Forwarded-For": {" , 203.0.113.1,"}}, "203.0.113.1:0", true},
		{"XFF garbage", trusted, proxy, map[string][]string{"X-Forwarded-For": {"not-an-ip"}}, "", false},
		{"XFF garbage behind a trusted hop", trusted, proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.1, bogus, 10.9.9.9"}}, "", false},
		{"XFF garbage left of the client is never read", trusted, proxy, map[string][]string{"X-Forwarded-For": {"bogus, 203.0.113.1"}}, "203.0.113.1:0", true},
		{"XFF blank: no other header", trusted, proxy, map[string][]string{"X-Forwarded-For": {" "}, "X-Real-Ip": {"203.0.113.4"}}, "", false},
		// nginx appends X-Forwarded-For and passes a client's Forwarded
		// through: with the default header it is never read.
		{"XFF: a client's Forwarded is ignored", trusted, proxy, map[string][]string{"Forwarded": {"for=192.0.2.66"}, "X-Forwarded-For": {"203.0.113.2"}}, "203.0.113.2:0", true},
		{"XFF: a client's lone Forwarded is ignored", trusted, proxy, map[string][]string{"Forwarded": {"for=192.0.2.66"}}, "", false},
		{"XFF: a client's X-Real-IP is ignored", trusted, proxy, map[string][]string{"X-Real-Ip": {"192.0.2.66"}, "X-Forwarded-For": {"203.0.113.2"}}, "203.0.113.2:0", true},
		{"Forwarded IPv4", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;proto=https;by=10.0.0.5"}}, "203.0.113.1:0", true},
		{"Forwarded quoted IPv6 with port", fwd, proxy, map[string][]string{"Forwarded": {`For="[2001:db8:cafe::17]:4711"`}}, "[2001:db8:cafe::17]:4711", true},
		{"Forwarded quoted IPv6 without port", fwd, proxy, map[string][]string{"Forwarded": {`for="[2001:db8:cafe::17]"`}}, "[2001:db8:cafe::17]:0", true},
		{"Forwarded chain", fwd, proxy, map[string][]string{"Forwarded": {`for=192.0.2.66, for="[2001:db8::1]";proto=http, for="[2001:db8:ffff::2]"`}}, "[2001:db8::1]:0", true},
		{"Forwarded quoted comma", fwd, proxy, map[string][]string{"Forwarded": {`for=203.0.113.1;ext="a,b"`}}, "203.0.113.1:0", true},
		{"Forwarded: a client's XFF is ignored", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1"}, "X-Forwarded-For": {"192.0.2.66"}}, "203.0.113.1:0", true},
		{"Forwarded: a client's lone XFF is ignored", fwd, proxy, map[string][]string{"X-Forwarded-For": {"192.0.2.66"}}, "", false},
		{"Forwarded unknown", fwd, proxy, map[string][]string{"Forwarded": {"for=unknown"}}, "", false},
		{"Forwarded obfuscated", fwd, proxy, map[string][]string{"Forwarded": {"for=_hidden"}}, "", false},
		{"Forwarded without for", fwd, proxy, map[string][]string{"Forwarded": {"proto=https"}}, "", false},
		{"Forwarded unterminated quote", fwd, proxy, map[string][]string{"Forwarded": {`for="[2001:db8::1]`}}, "", false},
		{"Forwarded unbracketed IPv6 with port", fwd, proxy, map[string][]string{"Forwarded": {`for="2001:db8::1:4711"`}}, "[2001:db8::1:4711]:0", true},
		{"Forwarded garbage does not fall back to XFF", fwd, proxy, map[string][]string{"Forwarded": {"for=;;;"}, "X-Forwarded-For": {"203.0.113.2"}}, "", false},
		// A client's stray quote must not swallow what its proxy appends,
		// on the client's line or on a line of its own.
		{"XFF stray quote, proxy on the same line", trusted, proxy, map[string][]string{"X-Forwarded-For": {`", 203.0.113.7`}}, "203.0.113.7:0", true},
		{"XFF stray quote, proxy on its own line", trusted, proxy, map[string][]string{"X-Forwarded-For": {`"`, "203.0.113.7"}}, "203.0.113.7:0", true},
		{"XFF quoted address is garbage", trusted, proxy, map[string][]string{"X-Forwarded-For": {`"203.0.113.7"`}}, "", false},
		{"Forwarded open quote, proxy on its own line", fwd, proxy, map[string][]string{"Forwarded": {`for=1.2.3.4;x="`, "for=203.0.113.7"}}, "203.0.113.7:0", true},
		{"Forwarded open quote, proxy on the same line", fwd, proxy, map[string][]string{"Forwarded": {`for=1.2.3.4;x=", for=203.0.113.7`}}, "203.0.113.7:0", true},
		{"Forwarded open quote, proxy's quoted IPv6 on the same line", fwd, proxy, map[string][]string{"Forwarded": {`for=1.2.3.4;x="a, for="[2001:db8::7]:4711"`}}, "[2001:db8::7]:4711", true},
		{"Forwarded open quote and escape, proxy on its own line", fwd, proxy, map[string][]string{"Forwarded": {`for=1.2.3.4;x="\`, "for=203.0.113.7"}}, "203.0.113.7:0", true},
		{"Forwarded open quote, two proxies", fwd, proxy, map[string][]string{"Forwarded": {`for=1.2.3.4;x=", for=203.0.113.7, for=10.9.9.9`}}, "203.0.113.7:0", true},
		{"Forwarded open quote reached by the walk", fwd, proxy, map[string][]string{"Forwarded": {`for=10.1.1.1;x=", for=10.9.9.9`}}, "", false},
		{"Forwarded open quote, proxy's quoted comma on the same line", fwd, proxy, map[string][]string{"Forwarded": {`for=1.2.3.4;x=", for=203.0.113.7;ext="a,b"`}}, "", false},
		{"Forwarded empty pairs", fwd, proxy, map[string][]string{"Forwarded": {`;for=203.0.113.1;;proto=https;x="";`}}, "203.0.113.1:0", true},
		{"Forwarded pair without value", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;proto"}}, "", false},
		{"Forwarded empty value", fwd, proxy, map[string][]string{"Forwarded": {"proto=;for=203.0.113.1"}}, "", false},
		{"Forwarded bad key", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;a b=c"}}, "", false},
		{"Forwarded text after a quoted string", fwd, proxy, map[string][]string{"Forwarded": {`for=203.0.113.1;x="a"b`}}, "", false},
		{"Forwarded blank in a token", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;x=a b"}}, "", false},
		{"Forwarded control character in a quoted string", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;x=\"a\x01\""}}, "", false},
		{"Forwarded for twice", fwd, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;for=192.0.2.66"}}, "", false},
		{"X-Real-IP", real, proxy, map[string][]string{"X-Real-Ip": {" 203.0.113.3 "}}, "203.0.113.3:0", true},
		{"X-Real-IP with port", real, proxy, map[string][]string{"X-Real-Ip": {"[2001:db8::3]:4711"}}, "[2001:db8::3]:4711", true},
		{"X-Real-IP trusted address taken as is", real, proxy, map[string][]string{"X-Real-Ip": {"10.1.1.1"}}, "10.1.1.1:0", true},
		// A proxy that sets only X-Real-IP passes a client's
		// X-Forwarded-For through.
		{"X-Real-IP: a client's XFF is ignored", real, proxy, map[string][]string{"X-Real-Ip": {"203.0.113.3"}, "X-Forwarded-For": {"192.0.2.66"}}, "203.0.113.3:0", true},
		{"X-Real-IP: a client's lone XFF is ignored", real, proxy, map[string][]string{"X-Forwarded-For": {"192.0.2.66"}}, "", false},
		{"X-Real-IP: a client's Forwarded is ignored", real, proxy, map[string][]string{"Forwarded": {"for=192.0.2.66"}}, "", false},
		{"X-Real-IP from an untrusted peer", real, stranger, map[string][]string{"X-Real-Ip": {"203.0.113.3"}}, "", false},
		{"X-Real-IP list", real, proxy, map[string][]string{"X-Real-Ip": {"203.0.113.3, 203.0.113.4"}}, "", false},
		{"X-Real-IP twice", real, proxy, map[string][]string{"X-Real-Ip": {"192.0.2.66", "203.0.113.3"}}, "", false},
		{"X-Real-IP garbage", real, proxy, map[string][]string{"X-Real-Ip": {"unknown"}}, "", false},
		{"X-Real-IP blank", real, proxy, map[string][]string{"X-Real-Ip": {""}}, "", false},
		{"unknown header value reads nothing", trusted.WithHeader(Header(9)), proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.1"}}, "", false},
		{"IPv6 proxy", trusted, netip.MustParseAddrPort("[2001:db8:ffff::9]:443"), map[string][]string{"X-Forwarded-For": {"203.0.113.1"}}, "203.0.113.1:0", true},
		{"IPv4-mapped proxy", trusted, netip.MustParseAddrPort("[::ffff:10.0.0.5]:443"), map[string][]string{"X-Forwarded-For": {"203.0.113.1"}}, "203.0.113.1:0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tt.hdr {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			got, fwd := tt.proxies.Client(tt.peer, h)
			want := tt.peer
			if tt.want != "" {
				want = netip.MustParseAddrPort(tt.want)
			}
			if got != want || fwd != tt.forwarded {
				t.Fatalf("Client = %s, %v; want %s, %v", got, fwd, want, tt.forwarded)
			}
		})
	}
}
