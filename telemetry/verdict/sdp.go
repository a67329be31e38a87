package verdict

import (
	"strconv"
	"strings"
)

// mline is what the verdict needs of one SDP m-line.
type mline struct {
	mid, kind, dir string
}

// parseSDP returns the audio and video m-lines of sdp with their mid and
// direction (sendrecv when none is given, or the session-level one), at
// most limit of them. It never fails: what it cannot read it skips.
func parseSDP(sdp string, limit int) []mline {
	var out []mline
	sessionDir := "sendrecv"
	idx := -1
	var cur *mline
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "m="):
			idx++
			cur = nil
			kind, _, _ := strings.Cut(line[2:], " ")
			if (kind == "audio" || kind == "video") && len(out) < limit {
				out = append(out, mline{mid: strconv.Itoa(idx), kind: kind, dir: sessionDir})
				cur = &out[len(out)-1]
			}
		case strings.HasPrefix(line, "a=mid:"):
			if cur != nil {
				cur.mid = strings.TrimSpace(line[len("a=mid:"):])
			}
		case line == "a=sendrecv" || line == "a=sendonly" || line == "a=recvonly" || line == "a=inactive":
			if idx < 0 {
				sessionDir = line[2:]
			} else if cur != nil {
				cur.dir = line[2:]
			}
		}
	}
	return out
}
