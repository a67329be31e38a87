package echotest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testpeer"
)

// TestEchoAfterVideoReenabled: a client echoes audio and video, then
// renegotiates with its video m-line inactive (as a browser whose video
// transceiver is set to "inactive": it stops sending, its offer names no
// SSRC there), once or several times, then sendrecv again and sends:
// the echo answers the m-line inactive while it is, and echoes the video
// again once it is back; audio echoes throughout. Also when the m-line
// went inactive before its first packet, also when the first offer named
// no SSRC there (the echo's receiver had no track yet), also when video
// packets sent before the m-line went inactive reach the echo only after
// its answer (late on the way; written here once the answer is applied).
// Before, pion stopped the echo's sender (and receiver) on the inactive
// offer and EchoTest kept that dead sender, so the m-line came back
// recvonly and nothing was echoed on it; and pion gave late packets'
// SSRC a transceiver of its own (no mid), whose track EchoTest read
// without an m-line to echo it on, and which kept the SSRC: the video
// m-line's receiver never got it back, and no video was echoed again.
func TestEchoAfterVideoReenabled(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sendFirst bool // video flows before the m-line goes inactive
		idle      int  // inactive offers in a row
		noSSRC    bool // the first offer names no video SSRC
		late      bool // video packets arrive after each inactive answer
	}{
		{"idle once", true, 1, false, false},
		{"idle twice", true, 2, false, false},
		{"idle before the first video packet", false, 1, false, false},
		{"idle twice before the first video packet", false, 2, false, false},
		{"idle before the first video packet, no SSRC named", false, 1, true, false},
		{"idle once, late video packets", true, 1, false, true},
		{"idle twice, late video packets", true, 2, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testEchoAfterReenable(t, tc.sendFirst, tc.idle, tc.noSSRC, tc.late)
		})
	}
}

func testEchoAfterReenable(t *testing.T, sendFirst bool, idle int, noSSRC, late bool) {
	h, s, client, ctx := reenableSetup(t)

	const payload = 200
	audio := startMedia(ctx, client, testpeer.Media{AudioPPS: 100, AudioSize: payload})
	defer audio.stop()
	audioIn, videoIn := client.Received("audio"), client.Received("video")

	answer := renegotiate(ctx, t, h, s, client, "t1", "", noSSRC)
	vmid := mlineMid(t, answer, "video")
	if d := mlineDirection(t, answer, vmid); d != "sendrecv" {
		t.Fatalf("first answer: video m-line %s is %s, want sendrecv", vmid, d)
	}
	waitFor(t, "20 echoed audio packets", func() bool { return audioIn.Packets.Load() >= 20 })
	var video *sender
	if sendFirst {
		video = startMedia(ctx, client, testpeer.Media{VideoFPS: 100, VideoSize: payload})
		waitFor(t, "20 echoed video packets", func() bool { return videoIn.Packets.Load() >= 20 })
		video.stop() // a browser stops sending on an inactive transceiver
	}

	for i := range idle {
		tx := fmt.Sprintf("idle%d", i+1)
		answer := renegotiate(ctx, t, h, s, client, tx, "inactive", false)
		if d := mlineDirection(t, answer, vmid); d != "inactive" {
			t.Fatalf("%s: answer's video m-line is %s, want inactive", tx, d)
		}
		if late {
			// The client's sender still sends (its own offer said
			// sendrecv): these packets reach the echo as late ones
			// would. The audio waited for below comes after them on
			// the same transport.
			sendVideo(ctx, client, 5)
		}
		a := audioIn.Packets.Load()
		waitFor(t, tx+": 20 more echoed audio packets", func() bool { return audioIn.Packets.Load() >= a+20 })
	}

	answer = renegotiate(ctx, t, h, s, client, "back", "", false)
	if d := mlineDirection(t, answer, vmid); d != "sendrecv" {
		t.Fatalf("video back: answer's m-line %s is %s, want sendrecv", vmid, d)
	}
	video = startMedia(ctx, client, testpeer.Media{VideoFPS: 100, VideoSize: payload, SeqBase: videoSeq(client)})
	defer video.stop()
	pkts, bytes := videoIn.Packets.Load(), videoIn.Bytes.Load()
	waitFor(t, "20 echoed video packets after the m-line came back", func() bool {
		return videoIn.Packets.Load() >= pkts+20 && videoIn.Bytes.Load() >= bytes+20*payload
	})
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range peer.PeerConnection().GetTransceivers() {
		if tr.Mid() == "" {
			t.Errorf("the echo's PeerConnection has a %s transceiver with no mid", tr.Kind())
		}
	}
}

// videoSeq is the sequence number of the client's last video packet:
// a send loop goes on from it, since the same SSRC starting over would
// be dropped as replayed SRTP.
func videoSeq(client *testpeer.Peer) uint16 {
	sent := client.Sent("video")
	return uint16(sent.Packets.Load() + sent.Errors.Load() + sent.Dropped.Load())
}

// sendVideo has client send n video packets more (at least), and returns
// once they are written.
func sendVideo(ctx context.Context, client *testpeer.Peer, n int) {
	base := videoSeq(client)
	s := startMedia(ctx, client, testpeer.Media{VideoFPS: 100, VideoSize: 200, SeqBase: base})
	for int(videoSeq(client)-base) < n && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	s.stop()
}

// TestNoEchoWhileSendonly: a client that offers its video m-line
// sendonly (it keeps sending but will not receive) gets the m-line
// answered recvonly and no echoed video on it while audio is still
// echoed; once it offers the m-line sendrecv again, its video (which never
// stopped) is echoed again. Also when the m-line was sendonly from the
// first offer. Before, pion answered sendrecv (it does not lower a
// transceiver's direction to what the offer allows) and the echo went on
// to a client that said it would not receive; and a reader started while
// the m-line had no echo track never echoed it.
func TestNoEchoWhileSendonly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		echoFirst bool // the first offer is sendrecv, and video is echoed
	}{
		{"sendrecv, sendonly, sendrecv", true},
		{"sendonly first, then sendrecv", false},
	} {
		t.Run(tc.name, func(t *testing.T) { testNoEchoWhileSendonly(t, tc.echoFirst) })
	}
}

func testNoEchoWhileSendonly(t *testing.T, echoFirst bool) {
	h, s, client, ctx := reenableSetup(t)

	const payload = 200
	media := startMedia(ctx, client, testpeer.Media{AudioPPS: 100, AudioSize: payload, VideoFPS: 100, VideoSize: payload})
	defer media.stop()
	videoIn := client.Received("video")

	if echoFirst {
		answer := renegotiate(ctx, t, h, s, client, "t1", "", false)
		if d := mlineDirection(t, answer, mlineMid(t, answer, "video")); d != "sendrecv" {
			t.Fatalf("first answer: video m-line is %s, want sendrecv", d)
		}
		waitFor(t, "20 echoed video packets", func() bool { return videoIn.Packets.Load() >= 20 })
	}

	answer := renegotiate(ctx, t, h, s, client, "sendonly", "sendonly", false)
	vmid := mlineMid(t, answer, "video")
	if d := mlineDirection(t, answer, vmid); d != "recvonly" {
		t.Fatalf("sendonly offer: answer's video m-line %s is %s, want recvonly", vmid, d)
	}
	// The echo applied the sendonly offer before it answered: every
	// packet the client sends from here on reaches it afterwards, and
	// carries sendonlyTag. Echoed video sent before (still on its way,
	// however late a loaded machine delivers it) is untagged and not
	// counted; and the client's sends are counted, not the clock: audio
	// and video go out in turn from one loop, so while the audio echo
	// brings back enough tagged packets, as many tagged video packets
	// would come back if the m-line were still echoed.
	client.CountTagged(sendonlyTag)
	client.SetTag(sendonlyTag)
	videoSent := client.Sent("video").Packets.Load()
	tagged := func() (int64, int64) {
		return client.Tagged("audio").Packets.Load(), client.Tagged("video").Packets.Load()
	}
	waitFor(t, fmt.Sprintf("%d echoed audio packets sent after the sendonly answer", taggedAudio), func() bool {
		a, _ := tagged()
		return a >= taggedAudio
	})
	if a, v := tagged(); v != 0 {
		t.Errorf("%d echoed video packets sent after the sendonly answer (with %d audio ones), want 0", v, a)
	}
	// Not vacuous: tagged video went out meanwhile.
	if n := client.Sent("video").Packets.Load() - videoSent; n < taggedAudio/2 {
		t.Errorf("only %d video packets sent after the sendonly answer, want about as many as the %d audio echoes", n, taggedAudio)
	}

	answer = renegotiate(ctx, t, h, s, client, "back", "", false)
	if d := mlineDirection(t, answer, vmid); d != "sendrecv" {
		t.Fatalf("video back: answer's m-line %s is %s, want sendrecv", vmid, d)
	}
	pkts, bytes := videoIn.Packets.Load(), videoIn.Bytes.Load()
	waitFor(t, "20 echoed video packets after the m-line came back", func() bool {
		return videoIn.Packets.Load() >= pkts+20 && videoIn.Bytes.Load() >= bytes+20*payload
	})
}

// sendonlyTag marks (as the last payload byte) what a client sends after
// its sendonly offer is answered; taggedAudio of those echoed is the
// window in which no tagged video may come back.
const (
	sendonlyTag = 0xa5
	taggedAudio = 50
)

// sender is a send loop of a testpeer client running on its own context.
type sender struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startMedia sends m from client until stop (or ctx's end).
func startMedia(ctx context.Context, client *testpeer.Peer, m testpeer.Media) *sender {
	ctx, cancel := context.WithCancel(ctx)
	s := &sender{cancel: cancel}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		client.Send(ctx, m)
	}()
	return s
}

// stop ends the loop and waits for it: its Sent counts are final then.
func (s *sender) stop() {
	s.cancel()
	s.wg.Wait()
}

// renegotiate sends the client's offer, its video m-line given direction
// dir (unless "") or naming no SSRC (unnamed), and applies the echo's
// answer, which it returns. Like the core, it applies the offer to the
// handle's peer before HandleMessage.
func renegotiate(ctx context.Context, t *testing.T, h *coretest.Handle, s core.PluginSession, client *testpeer.Peer, tx, dir string, unnamed bool) string {
	t.Helper()
	offer, err := client.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if dir != "" || unnamed {
		offer = rewriteVideo(t, offer, dir)
	}
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "offer", offer); err != nil {
		t.Fatal(err)
	}
	res := s.HandleMessage(ctx, core.Message{Transaction: tx, Body: json.RawMessage(`{"audio":true,"video":true}`), JSEP: &core.JSEP{Type: "offer", SDP: offer}})
	if !res.Ack {
		t.Fatalf("%s: result = %+v, want ack", tx, res)
	}
	p := h.ExpectTx(t, tx) // not a simulcast layer event, which has no transaction
	if p.Data["result"] != "ok" || p.JSEP == nil || p.JSEP.Type != "answer" {
		t.Fatalf("%s: push = %+v", tx, p)
	}
	if err := client.SetAnswer(p.JSEP.SDP); err != nil {
		t.Fatal(err)
	}
	return p.JSEP.SDP
}

// rewriteVideo sets the direction of raw's video m-line when dir is not
// "" and, unless dir is "sendonly", drops its msid and SSRC lines: as a
// browser offers a transceiver set to "inactive" (or "sendonly": it still
// sends, and names its track).
func rewriteVideo(t *testing.T, raw, dir string) string {
	t.Helper()
	d := parse(t, raw)
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "video" {
			continue
		}
		var attrs []sdp.Attribute
		for _, a := range m.Attributes {
			switch {
			case dir != "" && (a.Key == "sendrecv" || a.Key == "sendonly" || a.Key == "recvonly"):
				attrs = append(attrs, sdp.NewPropertyAttribute(dir))
			case dir != "sendonly" && (a.Key == "msid" || strings.HasPrefix(a.Key, "ssrc")):
			default:
				attrs = append(attrs, a)
			}
		}
		m.Attributes = attrs
	}
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// mlineMid is the mid of raw's first m-line of media.
func mlineMid(t *testing.T, raw, media string) string {
	t.Helper()
	for _, m := range parse(t, raw).MediaDescriptions {
		if m.MediaName.Media == media {
			mid, _ := m.Attribute("mid")
			return mid
		}
	}
	t.Fatalf("no %s m-line in %s", media, raw)
	return ""
}

// mlineDirection is the direction of raw's m-line mid.
func mlineDirection(t *testing.T, raw, mid string) string {
	t.Helper()
	dirs, err := webrtc.SDPDirections(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := dirs[mid]
	if !ok {
		t.Fatalf("no m-line %s in %s", mid, raw)
	}
	return d
}

func parse(t *testing.T, raw string) *sdp.SessionDescription {
	t.Helper()
	d := &sdp.SessionDescription{}
	if err := d.UnmarshalString(raw); err != nil {
		t.Fatal(err)
	}
	return d
}

// reenableSetup is an EchoTest session on a real engine and a pion client
// offering audio and video; the client is closed and the context (20 s)
// ended when the test ends.
func reenableSetup(t *testing.T) (*coretest.Handle, core.PluginSession, *testpeer.Peer, context.Context) {
	t.Helper()
	h, _, s := setupEngine(t, webrtc.Config{})
	client, err := testpeer.New(testpeer.Config{Codecs: testpeer.CodecsPion, Audio: true, Video: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return h, s, client, ctx
}

// TestSimulcastEchoAfterVideoReenabled: a client sending three RID layers
// on its video m-line stops, renegotiates with the m-line inactive (its
// offer keeps the rid and simulcast lines and names no SSRC, as a
// browser's does), then offers it sendrecv again and sends, each layer
// going on from its last sequence number: the echo answers the m-line
// inactive while it is, and echoes video again once it is back.
func TestSimulcastEchoAfterVideoReenabled(t *testing.T) {
	h, _, s := setup(t)
	c := newSimClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	videoIn := c.Received("video")

	answer := renegotiate(ctx, t, h, s, c.Peer, "t1", "", false)
	vmid := mlineMid(t, answer, "video")
	if d := mlineDirection(t, answer, vmid); d != "sendrecv" {
		t.Fatalf("first answer: video m-line %s is %s, want sendrecv", vmid, d)
	}
	layers := startLayers(ctx, t, c)
	waitFor(t, "20 echoed video packets", func() bool { return videoIn.Packets.Load() >= 20 })
	layers.stop()

	answer = renegotiate(ctx, t, h, s, c.Peer, "idle", "inactive", false)
	if d := mlineDirection(t, answer, vmid); d != "inactive" {
		t.Fatalf("idle: answer's video m-line is %s, want inactive", d)
	}

	answer = renegotiate(ctx, t, h, s, c.Peer, "back", "", false)
	if d := mlineDirection(t, answer, vmid); d != "sendrecv" {
		t.Fatalf("video back: answer's m-line %s is %s, want sendrecv", vmid, d)
	}
	layers = startLayers(ctx, t, c)
	defer layers.stop()
	pkts := videoIn.Packets.Load()
	waitFor(t, "20 echoed video packets after the m-line came back", func() bool { return videoIn.Packets.Load() >= pkts+20 })
}

// startLayers sends c's layers (every frame a key frame, tagged with
// layerMarkers) until stop, each layer going on from its last sequence
// number: the same SSRC starting over would be dropped as replayed SRTP.
func startLayers(ctx context.Context, t *testing.T, c *simClient) *sender {
	bases := map[string]uint16{}
	for rid, m := range layerMarkers {
		sent := c.sim.Sent(rid)
		bases[rid] = uint16(m)*1000 + uint16(sent.Packets.Load()+sent.Errors.Load())
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &sender{cancel: cancel}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := c.sim.Send(ctx, testpeer.SimulcastMedia{Interval: 10 * time.Millisecond, Tags: layerMarkers, SeqBases: bases}); err != nil {
			t.Errorf("sending the layers: %v", err)
		}
	}()
	return s
}
