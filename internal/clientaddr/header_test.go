package clientaddr

import (
	"errors"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in   string
		want Header
		err  bool
	}{
		{"X-Forwarded-For", HeaderXForwardedFor, false},
		{"x-forwarded-for", HeaderXForwardedFor, false},
		{"Forwarded", HeaderForwarded, false},
		{" FORWARDED ", HeaderForwarded, false},
		{"X-Real-IP", HeaderXRealIP, false},
		{"x-real-ip", HeaderXRealIP, false},
		{"X-Real-Ip", HeaderXRealIP, false},
		{"", 0, true},
		{"X-Forwarded", 0, true},
		{"X-Forwarded-For,Forwarded", 0, true},
		{"True-Client-IP", 0, true},
	}
	for _, tt := range tests {
		h, err := ParseHeader(tt.in)
		if tt.err {
			if !errors.Is(err, ErrBadHeader) {
				t.Errorf("ParseHeader(%q) = %v, %v; want ErrBadHeader", tt.in, h, err)
			}
			continue
		}
		if err != nil || h != tt.want {
			t.Errorf("ParseHeader(%q) = %v, %v; want %v", tt.in, h, err, tt.want)
		}
	}
}

// TestHeaderRoundTrip: every header's String parses back to it, and the
// zero Header, the default of ParseProxies, is X-Forwarded-For.
func TestHeaderRoundTrip(t *testing.T) {
	for _, h := range []Header{HeaderXForwardedFor, HeaderForwarded, HeaderXRealIP} {
		if got, err := ParseHeader(h.String()); err != nil || got != h {
			t.Errorf("ParseHeader(%q) = %v, %v", h.String(), got, err)
		}
	}
	if got := Header(9).String(); got != "Header(9)" {
		t.Errorf("Header(9).String() = %q", got)
	}
	p, err := ParseProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	if p.Header() != HeaderXForwardedFor || (Proxies{}).Header() != HeaderXForwardedFor {
		t.Fatalf("default header %v, %v; want X-Forwarded-For", p.Header(), Proxies{}.Header())
	}
	q := p.WithHeader(HeaderXRealIP)
	if q.Header() != HeaderXRealIP || p.Header() != HeaderXForwardedFor || q.String() != p.String() {
		t.Fatalf("WithHeader: %v (%s), original %v (%s)", q.Header(), q, p.Header(), p)
	}
}
