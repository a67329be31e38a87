package pionfix

import (
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

// FuzzFenceIdle: whatever SDP a client offers, FenceIdle returns it
// unchanged or as an SDP with the same m-lines, each given at most one
// fence, and never one on an m-line that names an SSRC or a RID.
func FuzzFenceIdle(f *testing.F) {
	const head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	f.Add(head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=inactive\r\n")
	f.Add(head + "a=recvonly\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=bundle-only\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:h send\r\na=inactive\r\n")
	f.Add("a=inactive")
	f.Fuzz(func(t *testing.T, offer string) {
		got := FenceIdle(offer)
		if got == offer {
			return
		}
		in, out := &sdp.SessionDescription{}, &sdp.SessionDescription{}
		if err := in.UnmarshalString(offer); err != nil {
			t.Fatalf("changed an offer that does not parse: %v", err)
		}
		if err := out.UnmarshalString(got); err != nil {
			t.Fatalf("the fenced offer does not parse: %v\n%s", err, got)
		}
		if len(in.MediaDescriptions) != len(out.MediaDescriptions) {
			t.Fatalf("%d m-lines became %d", len(in.MediaDescriptions), len(out.MediaDescriptions))
		}
		for i, m := range out.MediaDescriptions {
			fences := 0
			for _, a := range m.Attributes {
				if a.Key == "ssrc" && a.Value == idleSSRC {
					fences++
				}
			}
			if fences == 0 {
				continue
			}
			_, named := direction(in.MediaDescriptions[i].Attributes)
			if fences > 1 || named {
				t.Fatalf("m-line %d: %d fences (it named an SSRC or RID: %v):\n%s", i, fences, named, strings.TrimSpace(got))
			}
		}
	})
}
