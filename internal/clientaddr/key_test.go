package clientaddr

import (
	"net/netip"
	"testing"
)

func TestKey(t *testing.T) {
	tests := []struct {
		ip    string
		bits  int
		want  string
		wantS string // KeyString
	}{
		{"192.0.2.7", 0, "192.0.2.7/32", "192.0.2.7"},
		{"192.0.2.7", 128, "192.0.2.7/32", "192.0.2.7"},
		{"::ffff:192.0.2.7", 0, "192.0.2.7/32", "192.0.2.7"}, // IPv4-mapped: IPv4
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 0, "2001:db8:1:2::/64", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", 64, "2001:db8:1:2::/64", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:aaaa::1", 56, "2001:db8:1::/56", "2001:db8:1::/56"},
		{"2001:db8:1:2::1", 128, "2001:db8:1:2::1/128", "2001:db8:1:2::1"}, // the old per-address keying
		{"2001:db8:1:2::1", 8, "2001:db8::/32", "2001:db8::/32"},           // below the minimum: a /32
		{"2001:db8:1:2::1", 200, "2001:db8:1:2::1/128", "2001:db8:1:2::1"}, // above the maximum: a /128
		{"fe80::1:2%eth0", 0, "fe80::1:2/128", "fe80::1:2"},                // link-local: per address, zone dropped
		{"fe80::1:3", 48, "fe80::1:3/128", "fe80::1:3"},                    // whatever the prefix
		{"febf::1", 0, "febf::1/128", "febf::1"},                           // fe80::/10's last /16
		{"fec0::1", 0, "fec0::/64", "fec0::/64"},                           // past fe80::/10: a /64
		{"::1", 0, "::/64", "::/64"},
	}
	for _, tt := range tests {
		got := Key(netip.MustParseAddr(tt.ip), tt.bits)
		if got.String() != tt.want {
			t.Errorf("Key(%s, %d) = %s, want %s", tt.ip, tt.bits, got, tt.want)
		}
		if s := KeyString(tt.ip, tt.bits); s != tt.wantS {
			t.Errorf("KeyString(%s, %d) = %s, want %s", tt.ip, tt.bits, s, tt.wantS)
		}
	}
	if k := Key(netip.Addr{}, 0); k.IsValid() {
		t.Errorf("Key(zero) = %s, want the zero Prefix", k)
	}
	if s := KeyString("/run/argus.sock", 0); s != "/run/argus.sock" {
		t.Errorf("KeyString of a path = %q, want it unchanged", s)
	}
}

// TestKeySharesSlash64: two addresses of one /64 share a key by default
// (and not with -ipv6-client-prefix 128); another /64 has its own.
func TestKeySharesSlash64(t *testing.T) {
	a := netip.MustParseAddr("2001:db8:0:1::10")
	b := netip.MustParseAddr("2001:db8:0:1:ffff:ffff:ffff:ffff")
	c := netip.MustParseAddr("2001:db8:0:2::10")
	if Key(a, 0) != Key(b, 0) {
		t.Errorf("one /64: keys %s and %s differ", Key(a, 0), Key(b, 0))
	}
	if Key(a, 0) == Key(c, 0) {
		t.Errorf("two /64s share key %s", Key(a, 0))
	}
	if Key(a, 128) == Key(b, 128) {
		t.Errorf("with 128, two addresses share key %s", Key(a, 128))
	}
}
