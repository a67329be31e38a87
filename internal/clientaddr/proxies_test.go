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
		{"spoofed Forwarded from an untrusted peer", trusted, stranger, map[string][]string{"Forwarded": {"for=203.0.113.1"}}, "", false},
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
		{"XFF blank: next header", trusted, proxy, map[string][]string{"X-Forwarded-For": {" "}, "X-Real-Ip": {"203.0.113.4"}}, "203.0.113.4:0", true},
		{"Forwarded IPv4", trusted, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1;proto=https;by=10.0.0.5"}}, "203.0.113.1:0", true},
		{"Forwarded quoted IPv6 with port", trusted, proxy, map[string][]string{"Forwarded": {`For="[2001:db8:cafe::17]:4711"`}}, "[2001:db8:cafe::17]:4711", true},
		{"Forwarded quoted IPv6 without port", trusted, proxy, map[string][]string{"Forwarded": {`for="[2001:db8:cafe::17]"`}}, "[2001:db8:cafe::17]:0", true},
		{"Forwarded chain", trusted, proxy, map[string][]string{"Forwarded": {`for=192.0.2.66, for="[2001:db8::1]";proto=http, for="[2001:db8:ffff::2]"`}}, "[2001:db8::1]:0", true},
		{"Forwarded quoted comma", trusted, proxy, map[string][]string{"Forwarded": {`for=203.0.113.1;ext="a,b"`}}, "203.0.113.1:0", true},
		{"Forwarded before XFF", trusted, proxy, map[string][]string{"Forwarded": {"for=203.0.113.1"}, "X-Forwarded-For": {"203.0.113.2"}}, "203.0.113.1:0", true},
		{"Forwarded unknown", trusted, proxy, map[string][]string{"Forwarded": {"for=unknown"}}, "", false},
		{"Forwarded obfuscated", trusted, proxy, map[string][]string{"Forwarded": {"for=_hidden"}}, "", false},
		{"Forwarded without for", trusted, proxy, map[string][]string{"Forwarded": {"proto=https"}}, "", false},
		{"Forwarded unterminated quote", trusted, proxy, map[string][]string{"Forwarded": {`for="[2001:db8::1]`}}, "", false},
		{"Forwarded unbracketed IPv6 with port", trusted, proxy, map[string][]string{"Forwarded": {`for="2001:db8::1:4711"`}}, "[2001:db8::1:4711]:0", true},
		{"Forwarded garbage does not fall back to XFF", trusted, proxy, map[string][]string{"Forwarded": {"for=;;;"}, "X-Forwarded-For": {"203.0.113.2"}}, "", false},
		{"X-Real-IP", trusted, proxy, map[string][]string{"X-Real-Ip": {"203.0.113.3"}}, "203.0.113.3:0", true},
		{"X-Real-IP list", trusted, proxy, map[string][]string{"X-Real-Ip": {"203.0.113.3, 203.0.113.4"}}, "", false},
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
