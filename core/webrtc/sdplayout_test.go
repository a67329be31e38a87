package webrtc

import (
	"testing"
	"unsafe"
)

// TestLayoutKeepsCopies: what a Peer keeps from a remote SDP (its layout
// and its candidate lines) shares no memory with the parsed SDP, so the
// parse's buffers and the SDP text are not kept alive with the Peer.
func TestLayoutKeepsCopies(t *testing.T) {
	raw := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
		"a=ice-ufrag:sessufrag\r\na=fingerprint:sha-256 AA:BB\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:a0\r\na=msid:stream0 track0\r\n" +
		"a=rtpmap:111 opus/48000/2\r\na=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host\r\n" +
		"m=text 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:t1\r\na=ice-ufrag:mediaufrag\r\n"
	d, err := parseSDP(raw)
	if err != nil {
		t.Fatal(err)
	}
	// Every string the parse handed out, whose memory a kept string must
	// not share.
	parsed := []string{raw, d.Origin.Username}
	for _, a := range d.Attributes {
		parsed = append(parsed, a.Value)
	}
	for _, m := range d.MediaDescriptions {
		parsed = append(parsed, m.MediaName.Media)
		parsed = append(parsed, m.MediaName.Protos...)
		for _, a := range m.Attributes {
			parsed = append(parsed, a.Value)
		}
	}
	l := parseLayout(d)
	kept := map[string]string{"ufrag": l.ufrag, "fingerprint": l.fingerp, "profile": l.profile}
	for i, mid := range l.mids {
		kept["mid "+mid] = l.mids[i]
		kept["kind of "+mid] = l.kinds[mid]
	}
	for mid := range l.kinds {
		kept["kinds key "+mid] = mid
	}
	for mid, ids := range l.msids {
		kept["msid stream of "+mid], kept["msid track of "+mid] = ids[0], ids[1]
	}
	for _, c := range candidateLines(d) {
		kept["candidate "+c] = c
	}
	if len(kept) < 10 || l.ufrag != "sessufrag" || l.kinds["t1"] != "text" {
		t.Fatalf("layout %+v: not what the SDP says", l)
	}
	for name, s := range kept {
		for _, p := range parsed {
			if overlaps(s, p) {
				t.Errorf("%s %q shares memory with the parsed SDP's %q", name, s, p)
				break
			}
		}
	}
}

// overlaps reports whether two non-empty strings share memory.
func overlaps(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.StringData(a))), uintptr(unsafe.Pointer(unsafe.StringData(b)))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
