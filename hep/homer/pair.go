package homer

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
)

// selectedPairBody is the type 16 subtype 4 body (janus-reference.md 4.4):
// {"selected-pair":"<laddr>:<lport> [type,udp] <-> <raddr>:<rport> [type,udp]",
// "candidates"?:{"local":{address,port,...},"remote":{...}}}.
type selectedPairBody struct {
	SelectedPair string `json:"selected-pair"`
	Candidates   *struct {
		Local  candidate `json:"local"`
		Remote candidate `json:"remote"`
	} `json:"candidates"`
}

type candidate struct {
	Address string `json:"address"`
	Port    uint16 `json:"port"`
}

// parseSelectedPair extracts the local (gateway) and remote (client)
// addresses from a selected-pair body, preferring the structured
// "candidates" and falling back to the "selected-pair" string.
func parseSelectedPair(body []byte) (local, remote netip.AddrPort, ok bool) {
	var b selectedPairBody
	if err := json.Unmarshal(body, &b); err != nil {
		return local, remote, false
	}
	if c := b.Candidates; c != nil {
		l, errL := netip.ParseAddr(c.Local.Address)
		r, errR := netip.ParseAddr(c.Remote.Address)
		if errL == nil && errR == nil {
			return netip.AddrPortFrom(l.Unmap(), c.Local.Port), netip.AddrPortFrom(r.Unmap(), c.Remote.Port), true
		}
	}
	l, r, found := strings.Cut(b.SelectedPair, "<->")
	if !found {
		return local, remote, false
	}
	local, okL := parseEndpoint(l)
	remote, okR := parseEndpoint(r)
	return local, remote, okL && okR
}

// parseEndpoint parses "<addr>:<port> [type,proto]" (IPv6 without brackets:
// the port follows the last colon).
func parseEndpoint(s string) (netip.AddrPort, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, false
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s[:i], "["), "]")
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), true
}
