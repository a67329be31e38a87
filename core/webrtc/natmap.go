package webrtc

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	pion "github.com/pion/webrtc/v4"
)

// natRules turns Janus's nat_1_1_mapping (Config.NAT1To1IPs) and
// keep_private_host (Config.KeepPrivateHost) into pion address rewrite
// rules. An entry is a public address ("192.0.2.7"), advertised for every
// local address of its family, or "public/local" ("192.0.2.7/10.0.0.5"),
// advertised for that local address only. (The form is pion's; its legacy
// SetNAT1To1IPs, used before, also advertised a pinned public address for
// every other local address of its family, which made the pin pointless:
// here the other addresses stay as they are.)
//
// What Janus 1.1.2 advertises, checked against Debian's janus with the
// EchoTest: with nat_1_1_mapping, one host candidate per public address in
// place of the private one (type host, the private one's port, no raddr;
// the SDP's o= and c= lines carry the public address too); with
// keep_private_host as well, the private host candidate stays and the
// public ones are added next to it, all of type host on the same port.
// Server info reports "public-ip" (and "public-ips" when there are
// several) either way and says nothing of keep_private_host. So the rules
// publish host candidates, replacing the local address or, keeping the
// private host, appended to it. The order of the candidates differs, which
// ICE ignores: Janus lists a public candidate before the private one and
// several public addresses in an order of its own (not the configured
// one); pion lists the private one first, then the public ones in the
// configured order.
//
// All the public addresses of one rule are advertised: the catch-all ones
// go into one rule (pion uses only the first catch-all rule that matches
// an address), the ones pinned to a local address into one rule per local
// address.
func natRules(nat []string, keepPrivate bool) ([]pion.ICEAddressRewriteRule, error) {
	mode := pion.ICEAddressRewriteReplace
	if keepPrivate {
		mode = pion.ICEAddressRewriteAppend
	}
	var rules []pion.ICEAddressRewriteRule
	ruleOf := map[string]int{} // local address ("" for the catch-all) → index in rules
	for _, entry := range nat {
		public, local, err := parseNATEntry(entry)
		if err != nil {
			return nil, err
		}
		if !public.IsValid() {
			continue
		}
		key := ""
		if local.IsValid() {
			key = local.String()
		}
		i, ok := ruleOf[key]
		if !ok {
			i = len(rules)
			ruleOf[key] = i
			rules = append(rules, pion.ICEAddressRewriteRule{Local: key, AsCandidateType: pion.ICECandidateTypeHost, Mode: mode})
		}
		rules[i].External = append(rules[i].External, public.String())
	}
	return rules, nil
}

// parseNATEntry parses "public" or "public/local"; an empty entry gives
// zero addresses.
func parseNATEntry(entry string) (public, local netip.Addr, err error) {
	entry = strings.TrimSpace(entry)
	if entry == "" {
		return public, local, nil
	}
	pub, loc, pinned := strings.Cut(entry, "/")
	if public, err = parseNATAddr(pub); err != nil {
		return public, local, fmt.Errorf("%w: %q: %w", ErrNATConfig, entry, err)
	}
	if pinned {
		if local, err = parseNATAddr(loc); err != nil {
			return public, local, fmt.Errorf("%w: %q: %w", ErrNATConfig, entry, err)
		}
	}
	return public, local, nil
}

// errNATAddr: an address no candidate can carry, or one pion's parser
// refuses (an IPv6 zone), which would fail every answer later.
var errNATAddr = errors.New("not a unicast address without a zone")

// parseNATAddr parses one address of an entry.
func parseNATAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return a, err
	}
	if a.Zone() != "" || a.IsUnspecified() || a.IsMulticast() {
		return a, errNATAddr
	}
	return a.Unmap(), nil
}

// warnNATFamily warns when no public address of nat matches a family ICE
// gathers (IPv4; IPv6 too with ipv6): then none is advertised, while info
// reports "public-ip".
func warnNATFamily(log *slog.Logger, nat []string, ipv6 bool) {
	if len(nat) == 0 {
		return
	}
	for _, entry := range nat {
		if public, _, err := parseNATEntry(entry); err == nil && public.IsValid() && (public.Is4() || ipv6) {
			return
		}
	}
	log.Warn("nat_1_1_mapping has only IPv6 addresses and IPv6 candidates are off (-ipv6): no public address is advertised",
		"nat_1_1_mapping", nat)
}

// ValidateNAT1To1 checks nat_1_1_mapping entries as NewEngine does.
func ValidateNAT1To1(nat []string) error {
	_, err := natRules(nat, false)
	return err
}

// PublicIPs are the public addresses of nat_1_1_mapping entries, in their
// order and without a "/local" part: what server info reports as
// "public-ip" (the first) and "public-ips" (all, when several).
func PublicIPs(nat []string) []string {
	var out []string
	for _, entry := range nat {
		if public, _, err := parseNATEntry(entry); err == nil && public.IsValid() {
			out = append(out, public.String())
		}
	}
	return out
}
