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

// parseLayout extracts the layout of a parsed SDP.
func parseLayout(d *sdp.SessionDescription) sdpLayout {
	l := sdpLayout{kinds: map[string]string{}, mindex: map[string]int{}, msids: map[string][2]string{}}
	if v, ok := d.Attribute("ice-ufrag"); ok {
		l.ufrag = v
	}
	if v, ok := d.Attribute("fingerprint"); ok {
		l.fingerp = v
	}
	for i, m := range d.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		if mid == "" {
			mid = strconv.Itoa(i)
		}
		kind := m.MediaName.Media
		if kind == "application" {
			kind = "data"
		}
		if l.profile == "" && (kind == "audio" || kind == "video") {
			l.profile = strings.Join(m.MediaName.Protos, "/")
		}
		l.mids = append(l.mids, mid)
		l.kinds[mid] = kind
		l.mindex[mid] = i
		if v, ok := m.Attribute("ice-ufrag"); ok && l.ufrag == "" {
			l.ufrag = v
		}
		if v, ok := m.Attribute("fingerprint"); ok && l.fingerp == "" {
			l.fingerp = v
		}
		if v, ok := m.Attribute("msid"); ok {
			if f := strings.Fields(v); len(f) == 2 {
				l.msids[mid] = [2]string{f[0], f[1]}
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
// "candidate:" prefix (they are reported as remote candidates).
func candidateLines(d *sdp.SessionDescription) []string {
	var out []string
	for _, m := range d.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key == "candidate" {
				out = append(out, a.Value)
			}
		}
	}
	return out
}
