package mediakit_test

import (
	"testing"

	"github.com/pion/rtcp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core/pluginkit/mediakit"
	"github.com/argusrtc/argus/core/webrtc"
)

func TestCodecName(t *testing.T) {
	for in, want := range map[string]string{"video/VP8": "vp8", "audio/opus": "opus", "H264": "h264", "": ""} {
		if got := mediakit.CodecName(in); got != want {
			t.Errorf("CodecName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithRTX(t *testing.T) {
	vp8 := pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8}, PayloadType: 96}
	all := []pion.RTPCodecParameters{
		vp8,
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeRTX, SDPFmtpLine: "apt=96"}, PayloadType: 97},
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP9}, PayloadType: 98},
		{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeRTX, SDPFmtpLine: "apt=98"}, PayloadType: 99},
	}
	got := mediakit.WithRTX(all, vp8)
	if len(got) != 2 || got[0].PayloadType != 96 || got[1].PayloadType != 97 {
		t.Fatalf("WithRTX = %+v", got)
	}
}

type rtcpRecorder struct{ pkts []rtcp.Packet }

func (r *rtcpRecorder) WriteRTCP(p []rtcp.Packet) error {
	r.pkts = append(r.pkts, p...)
	return nil
}

func TestWriteREMB(t *testing.T) {
	var r rtcpRecorder
	if err := mediakit.WriteREMB(&r, 5000, nil); err != nil || len(r.pkts) != 0 {
		t.Fatalf("no SSRC: %v %v", err, r.pkts)
	}
	if err := mediakit.WriteREMB(&r, 256000, []uint32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if len(r.pkts) != 1 {
		t.Fatalf("packets %v", r.pkts)
	}
	remb, ok := r.pkts[0].(*rtcp.ReceiverEstimatedMaximumBitrate)
	if !ok || remb.Bitrate != 256000 || len(remb.SSRCs) != 2 {
		t.Errorf("REMB %+v", r.pkts[0])
	}
}

// media is a Media for the ForPeer test.
type media struct {
	peer    *webrtc.Peer
	stopped int
}

func (m *media) PeerOf() *webrtc.Peer { return m.peer }
func (m *media) Stop()                { m.stopped++ }

func TestForPeer(t *testing.T) {
	a, b := &webrtc.Peer{}, &webrtc.Peer{}
	made := 0
	fresh := func(p *webrtc.Peer) func() *media {
		return func() *media { made++; return &media{peer: p} }
	}
	var cur *media
	cur = mediakit.ForPeer(cur, a, fresh(a))
	first := cur
	cur = mediakit.ForPeer(cur, a, fresh(a))
	if cur != first || made != 1 {
		t.Fatalf("same peer: new state (made %d)", made)
	}
	cur = mediakit.ForPeer(cur, b, fresh(b))
	if cur == first || cur.peer != b || first.stopped != 1 || made != 2 {
		t.Fatalf("new peer: old stopped %d, made %d", first.stopped, made)
	}
}

func TestReceiverMid(t *testing.T) {
	newPC := func() *pion.PeerConnection {
		pc, err := pion.NewPeerConnection(pion.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pc.Close() })
		return pc
	}
	pc := newPC()
	audio, err := pc.AddTransceiverFromKind(pion.RTPCodecTypeAudio)
	if err != nil {
		t.Fatal(err)
	}
	video, err := pc.AddTransceiverFromKind(pion.RTPCodecTypeVideo)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	other, err := newPC().AddTransceiverFromKind(pion.RTPCodecTypeAudio)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    *pion.RTPReceiver
		want string
	}{
		{"audio", audio.Receiver(), "0"},
		{"video", video.Receiver(), "1"},
		{"another PeerConnection's", other.Receiver(), ""},
	} {
		if got := mediakit.ReceiverMid(pc, tc.r); got != tc.want {
			t.Errorf("%s receiver: mid %q, want %q", tc.name, got, tc.want)
		}
	}
}
