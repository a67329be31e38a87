package webrtc

import (
	"strings"
	"testing"
)

// TestSDPUfrag: SDPUfrag reads the ufrag parseLayout reads (the
// session-level one, else the first m-line's), from the SDP text alone.
func TestSDPUfrag(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	const audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"
	const video = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n"
	for _, tc := range []struct {
		name, sdp, want string
	}{
		{"session level", head + "a=ice-ufrag:sess\r\n" + audio + "a=ice-ufrag:media\r\n", "sess"},
		{"first m-line", head + audio + "a=ice-ufrag:first\r\n" + video + "a=ice-ufrag:second\r\n", "first"},
		{"second m-line only", head + audio + video + "a=ice-ufrag:late\r\n", "late"},
		{"LF line ends", "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=ice-ufrag:lf\n", "lf"},
		{"none", head + audio, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SDPUfrag(tc.sdp); got != tc.want {
				t.Fatalf("SDPUfrag = %q, want %q", got, tc.want)
			}
			d, err := parseSDP(tc.sdp)
			if err != nil {
				t.Fatal(err)
			}
			if l := parseLayout(d); l.ufrag != tc.want {
				t.Fatalf("parseLayout's ufrag = %q, want %q", l.ufrag, tc.want)
			}
		})
	}
}

// TestCandidateUfrag: the ufrag extension of a candidate line is found
// among its name and value pairs, never in the fixed fields.
func TestCandidateUfrag(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host generation 0 ufrag AbCd network-id 1", "AbCd"},
		{"a=candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host ufrag xY", "xY"},
		{"1 1 udp 1686052607 198.51.100.7 6000 typ srflx raddr 192.0.2.1 rport 5000 generation 0 ufrag q1", "q1"},
		{"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host", ""},
		{"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host generation 0", ""},
		{"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host ufrag", ""},
		// "ufrag" in a value's place is not the extension.
		{"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host network-id ufrag", ""},
		{"candidate:ufrag 1 udp 2122260223 192.0.2.1 5000 typ host", ""},
		{"", ""},
		// Longer than any candidate AddCandidate takes: not read.
		{"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host network-id " + strings.Repeat("x", maxCandidateLen) + " ufrag AbCd", ""},
	} {
		if got := CandidateUfrag(tc.line); got != tc.want {
			t.Errorf("CandidateUfrag(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}
