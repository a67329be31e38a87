package videoroom

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"

	"github.com/argusrtc/argus/internal/testpeer"
)

// TestSubscriberLaterCodec: a subscriber whose first video was VP8 and
// that later subscribes to an H264 publisher of the room gets an H264
// m-line, and receives what Argus sends there. pion offers on a
// PeerConnection only the codecs of a kind its first negotiation of that
// kind kept, so the first offer lists the room's other codecs of the
// kind after the publisher's.
func TestSubscriberLaterCodec(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"videocodec":"h264,vp8"}]}`)
	_, _, _, vp8, vp8Peer := f.publishWith("vp8", true, testpeer.Config{Codecs: testpeer.CodecsBrowser, Video: true, AnyAddress: true})
	vp8Peer.Start(testpeer.Media{VideoFPS: 50, Tag: 1})
	_, _, pub, h264, _ := f.publishWith("h264", false, testpeer.Config{Codecs: testpeer.CodecsPion, Video: true, AnyAddress: true})
	if st := pub.Data["streams"].([]any)[0].(map[string]any); st["codec"] != "h264" {
		t.Fatalf("published %v, want h264", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, s := f.handle()
	client, answer := f.answering(ctx, h, s, testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true})
	joined := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(vp8)+`}]}`, nil)
	mids := answer("join", joined)
	if got := firstCodec(t, joined.JSEP.SDP, mids[0]); got != "VP8" {
		t.Fatalf("join: m-line %s offers %s first, want VP8", mids[0], got)
	}
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	for tr := client.Track(mids[0]); tr.LastMarker.Load() != 1; time.Sleep(10 * time.Millisecond) {
		if ctx.Err() != nil {
			t.Fatal("no VP8 media")
		}
	}
	added := f.async(h, s, `{"request":"subscribe","streams":[{"feed":`+formatID(h264)+`}]}`, nil)
	mids = answer("subscribe h264", added)
	if len(mids) != 2 {
		t.Fatalf("subscribe: offer m-lines %v, want 2", mids)
	}
	if got := firstCodec(t, added.JSEP.SDP, mids[1]); got != "H264" {
		t.Fatalf("subscribe: m-line %s offers %s first, want H264", mids[1], got)
	}
	// The test peers send only VP8: write on the H264 m-line's track.
	d := s.(*session).sub.byMid(mids[1])
	for seq, tr := uint16(1), client.Track(mids[1]); tr.LastMarker.Load() != 9; seq++ {
		if ctx.Err() != nil {
			t.Fatalf("nothing received on the H264 m-line %s", mids[1])
		}
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: []byte{0x7c, 0x85, 0, 0, 9}}
		_ = d.track.WriteRTP(pkt)
		time.Sleep(10 * time.Millisecond)
	}
}

// firstCodec is the codec name of the first format of an SDP's m-line mid.
func firstCodec(t *testing.T, raw, mid string) string {
	t.Helper()
	d := &sdp.SessionDescription{}
	if err := d.UnmarshalString(raw); err != nil {
		t.Fatal(err)
	}
	for _, m := range d.MediaDescriptions {
		if v, _ := m.Attribute("mid"); v != mid || len(m.MediaName.Formats) == 0 {
			continue
		}
		for _, a := range m.Attributes {
			if a.Key == "rtpmap" && strings.HasPrefix(a.Value, m.MediaName.Formats[0]+" ") {
				name, _, _ := strings.Cut(strings.TrimPrefix(a.Value, m.MediaName.Formats[0]+" "), "/")
				return name
			}
		}
	}
	t.Fatalf("no m-line %s with an rtpmap in %s", mid, raw)
	return ""
}
