package webrtc

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// drainRTCP reads RTCP until the reader fails: pion's interceptors see
// RTCP only when it is read.
func drainRTCP(read func() error) {
	go func() {
		for read() == nil {
		}
	}()
}

// rtcpDelay is added to the client's outgoing RTCP, so that the RTT is
// measurable in whole milliseconds on loopback.
const rtcpDelay = 30 * time.Millisecond

// delayedRTCP is an interceptor that delays every outgoing RTCP packet,
// like a slow uplink.
type delayedRTCP struct {
	interceptor.NoOp
	d time.Duration
}

func (x *delayedRTCP) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		time.Sleep(x.d)
		return w.Write(pkts, a)
	})
}

type delayedRTCPFactory struct{ d time.Duration }

func (f delayedRTCPFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &delayedRTCP{d: f.d}, nil
}

// delayedRTCPClientAPI is clientAPI with pion's default interceptors and,
// innermost so that it sees the generated reports, an RTCP delay.
func delayedRTCPClientAPI(t *testing.T, d time.Duration) *pion.API {
	t.Helper()
	api, err := testpeer.NewAPI(testpeer.Config{
		Codecs: testpeer.CodecsPion, AnyAddress: true, Interceptors: true,
		Extra: []interceptor.Factory{delayedRTCPFactory{d: d}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestMediaReportOutboundRTTAndNACKs: a Peer sends audio on a track
// attached with AttachTrack to a pion client and receives video with gaps
// from it. The media reports must show the audio really sent
// (packets-sent, bytes-sent), an RTT computed from the client's receiver
// reports, and the NACKs the Peer sent for the missing video packets.
func TestMediaReportOutboundRTTAndNACKs(t *testing.T) {
	rec := &recorder{}
	obs := &observer{}
	peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 1, HandleID: 2, Observer: obs})
	call := newAVCall(t, peer, obs, delayedRTCPClientAPI(t, rtcpDelay))
	cVideo, pAudio, vt, audioT := call.cVideo, call.pAudio, call.video, call.audio

	report := func(mid string, ok func(map[string]any) bool) bool {
		return len(rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, func(b map[string]any) bool {
			return b["mid"] == mid && ok(b)
		})) > 0
	}
	audioOK := func(b map[string]any) bool {
		rtt, _ := b["rtt"].(int64)
		pkts, _ := b["packets-sent"].(uint64)
		bytes, _ := b["bytes-sent"].(uint64)
		return rtt >= rtcpDelay.Milliseconds() && rtt < time.Second.Milliseconds() && pkts > 0 && bytes > 0
	}
	videoOK := func(b map[string]any) bool {
		n, _ := b["nacks-sent"].(uint64)
		return n > 0
	}
	aMid, vMid := audioT.Mid(), vt.Mid()
	var aSeq, vSeq uint16
	deadline := time.Now().Add(15 * time.Second)
	for !report(aMid, audioOK) || !report(vMid, videoOK) {
		if time.Now().After(deadline) {
			t.Fatalf("timeout: audio (rtt, packets-sent, bytes-sent) ok=%v, video nacks-sent ok=%v; last reports: %v",
				report(aMid, audioOK), report(vMid, videoOK), lastReports(rec))
		}
		aSeq++
		if err := pAudio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aSeq, Timestamp: uint32(aSeq) * 960}, Payload: make([]byte, 80)}); err != nil {
			t.Fatal(err)
		}
		vSeq++
		if vSeq%10 == 0 {
			vSeq++ // one lost video packet in ten
		}
		if err := cVideo.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: vSeq, Timestamp: uint32(vSeq) * 3000}, Payload: make([]byte, 200)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // media pacing, not an assertion
	}
}

// lastReports returns the bodies of the last few media reports.
func lastReports(rec *recorder) []map[string]any {
	evs := rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, nil)
	if len(evs) > 4 {
		evs = evs[len(evs)-4:]
	}
	var out []map[string]any
	for _, e := range evs {
		out = append(out, telemetrytest.Fields(e.Body))
	}
	return out
}

// TestMediaSampleCodecBeforeFirstPacket: a medium the client sends on
// names its negotiated codec and clock rate in the media report before
// its first packet came (as Janus's, whose every media report has
// "codec"): on a loaded host the first report can come first.
func TestMediaSampleCodecBeforeFirstPacket(t *testing.T) {
	peer := newPeer(t, testEngine(t, nil), PeerParams{})
	client := newClient(t)
	addOpusTrack(t, client)
	negotiate(t, peer, client) // no packet is ever sent
	var audio *mediumSample
	for _, s := range peer.sample(time.Second, nil, nil) {
		if s.Media == "audio" {
			audio = &s
		}
	}
	if audio == nil {
		t.Fatal("no audio medium sampled")
	}
	if audio.PacketsIn != 0 || audio.Codec != "opus" || audio.Base != 48000 {
		t.Errorf("audio sample before any packet: %d packets, codec %q, base %d; want 0, opus, 48000", audio.PacketsIn, audio.Codec, audio.Base)
	}
}
