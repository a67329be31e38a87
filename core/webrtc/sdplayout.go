package webrtc

import (
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// sdpLayout is what Argus needs to know about the negotiated m-lines.
type sdpLayout struct {
	mids    []string          // in m-line order
	kinds   map[string]string // mid → "audio", "video" or "data"
	mindex  map[string]int
	rtx     bool                 // RFC 4588 RTX negotiated
	ufrag   string               // remote ICE ufrag (ICE restart detection)
	fingerp string               // remote DTLS fingerprint "<hash> <value>"
	msids   map[string][2]string // mid → a=msid stream and track ids
	profile string               // RTP profile of the first audio or video m-line ("UDP/TLS/RTP/SAVPF")
}

// parseLayout extracts the layout of a parsed SDP. The layout lives as
// long as the Peer, so its strings are copies: a substring of the parsed
// SDP would keep the whole SDP text, or pion's 4 KiB parsing buffer, alive
// for each string kept.
func parseLayout(d *sdp.SessionDescription) sdpLayout {
	l := sdpLayout{kinds: map[string]string{}, mindex: map[string]int{}, msids: map[string][2]string{}}
	if v, ok := d.Attribute("ice-ufrag"); ok {
		l.ufrag = strings.Clone(v)
	}
	if v, ok := d.Attribute("fingerprint"); ok {
		l.fingerp = strings.Clone(v)
	}
	for i, m := range d.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		if mid == "" {
			mid = strconv.Itoa(i)
		} else {
			mid = strings.Clone(mid)
		}
		kind := m.MediaName.Media
		switch kind { // the constants, not the SDP's bytes
		case "application":
			kind = "data"
		case "audio":
			kind = "audio"
		case "video":
			kind = "video"
		default:
			kind = strings.Clone(kind)
		}
		if l.profile == "" && (kind == "audio" || kind == "video") {
			l.profile = strings.Clone(strings.Join(m.MediaName.Protos, "/"))
		}
		l.mids = append(l.mids, mid)
		l.kinds[mid] = kind
		l.mindex[mid] = i
		if v, ok := m.Attribute("ice-ufrag"); ok && l.ufrag == "" {
			l.ufrag = strings.Clone(v)
		}
		if v, ok := m.Attribute("fingerprint"); ok && l.fingerp == "" {
			l.fingerp = strings.Clone(v)
		}
		if v, ok := m.Attribute("msid"); ok {
			if f := strings.Fields(v); len(f) == 2 {
				l.msids[mid] = [2]string{strings.Clone(f[0]), strings.Clone(f[1])}
			}
		}
		for _, a := range m.Attributes {
			if a.Key == "rtpmap" && strings.Contains(strings.ToLower(a.Value), "rtx/") {
				l.rtx = true
			}
		}
	}
	return l
}

// SDPUfrag returns the ICE ufrag of an SDP as parseLayout reads it (the
// session-level a=ice-ufrag, else that of the first m-line with one), or
// "" if it has none. The session-level lines come before the first
// m-line, so that is the first a=ice-ufrag line of the text.
func SDPUfrag(sdp string) string {
	for line := range strings.Lines(sdp) {
		if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok {
			return strings.Clone(strings.TrimSpace(v))
		}
	}
	return ""
}

// has reports whether the layout has an m-line of a kind.
func (l sdpLayout) has(kind string) bool {
	for _, k := range l.kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// candidateLines returns the a=candidate values of an SDP, without the
// "candidate:" prefix (they are reported as remote candidates). They are
// copies: the Peer keeps them, and a substring would keep the parsed SDP's
// buffer alive.
func candidateLines(d *sdp.SessionDescription) []string {
	var out []string
	for _, m := range d.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key == "candidate" {
				out = append(out, strings.Clone(a.Value))
			}
		}
	}
	return out
}
