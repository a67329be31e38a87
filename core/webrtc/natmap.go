package webrtc

import (
	"fmt"
	"net/netip"
	"strings"

	pion "github.com/pion/webrtc/v4"
)

// natRules turns Janus's nat_1_1_mapping (Config.NAT1To1IPs) and
// keep_private_host (Config.KeepPrivateHost) into pion address rewrite
// rules. An entry is a public address ("192.0.2.7"), advertised for every
// local address of its family, or "public/local" ("192.0.2.7/10.0.0.5"),
// advertised for that local address only (pion's form, kept from the
// legacy SetNAT1To1IPs).
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
	if public, err = netip.ParseAddr(strings.TrimSpace(pub)); err != nil {
		return public, local, fmt.Errorf("%w: %q: %w", ErrNATConfig, entry, err)
	}
	if pinned {
		if local, err = netip.ParseAddr(strings.TrimSpace(loc)); err != nil {
			return public, local, fmt.Errorf("%w: %q: %w", ErrNATConfig, entry, err)
		}
	}
	return public.Unmap(), local.Unmap(), nil
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
