package echotest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testpeer"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mediaReports records the media report bodies (type 32 subtype 3).
type mediaReports struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (r *mediaReports) Emit(e *telemetry.Event) {
	if e.Type != telemetry.TypeMedia || e.Subtype != telemetry.SubtypeMediaReport || e.HandleID != 2 {
		return
	}
	if b := telemetrytest.Fields(e.Body); b != nil {
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
	}
}

// sent reports whether a media report of media shows packets and bytes
// sent.
func (r *mediaReports) sent(media string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies {
		pkts, _ := b["packets-sent"].(uint64)
		bytes, _ := b["bytes-sent"].(uint64)
		if b["media"] == media && pkts > 0 && bytes > 0 {
			return true
		}
	}
	return false
}

// setup builds an engine, a plugin and one session on a fake handle.
func setup(t *testing.T) (*coretest.Handle, *coretest.Host, core.PluginSession) {
	t.Helper()
	h, host, s, _ := setupReports(t)
	return h, host, s
}

// setupReports is setup that also returns the engine's media reports.
func setupReports(t *testing.T) (*coretest.Handle, *coretest.Host, core.PluginSession, *mediaReports) {
	t.Helper()
	reports := &mediaReports{}
	eng, err := webrtc.NewEngine(webrtc.Config{Emitter: reports, IncludeLoopback: true, StatsPeriod: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	host := &coretest.Host{}
	p := New()
	if err := p.Init(t.Context(), host, nil); err != nil {
		t.Fatal(err)
	}
	h := coretest.NewHandle(2, "echotest-test", eng)
	s, err := p.NewSession(h)
	if err != nil {
		t.Fatal(err)
	}
	h.Attach(s)
	t.Cleanup(func() {
		h.ClosePeer()
		s.Destroy()
		_ = p.Destroy(context.Background())
		_ = eng.Close()
	})
	return h, host, s, reports
}

// send hands a message to the session and returns the async push.
func send(t *testing.T, h *coretest.Handle, s core.PluginSession, tx, body string, jsep *core.JSEP) coretest.Push {
	t.Helper()
	res := s.HandleMessage(context.Background(), core.Message{Transaction: tx, Body: json.RawMessage(body), JSEP: jsep})
	if !res.Ack || res.Hint != "I'm taking my time!" {
		t.Fatalf("result = %+v, want ack with hint", res)
	}
	return h.ExpectTx(t, "")
}

// loopbackClient is a pion PeerConnection with the codecs of me whose
// UDP4 candidates include loopback.
func loopbackClient(t *testing.T, me *pion.MediaEngine) *pion.PeerConnection {
	t.Helper()
	se := pion.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	pc, err := pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se)).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// negotiate offers client's tracks to the plugin as transaction "t1" with
// body (ICE gathered, no trickle), applying the offer to the handle's peer
// first as the core does before HandleMessage, and applies the answer to
// client. It returns the push carrying the answer and the handle's peer.
func negotiate(t *testing.T, h *coretest.Handle, s core.PluginSession, client *pion.PeerConnection, body string) (coretest.Push, *webrtc.Peer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sdp, err := testpeer.Gathered(ctx, client, offer)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "offer", sdp); err != nil {
		t.Fatal(err)
	}
	p := send(t, h, s, "t1", body, &core.JSEP{Type: "offer", SDP: sdp})
	if p.Data["result"] != "ok" || p.JSEP == nil || p.JSEP.Type != "answer" || p.Transaction != "t1" {
		t.Fatalf("push = %+v", p)
	}
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: p.JSEP.SDP}); err != nil {
		t.Fatal(err)
	}
	return p, peer
}

func TestRequestErrors(t *testing.T) {
	h, host, s := setup(t)
	tests := []struct {
		body string
		code float64
		text string
	}{
		{`{}`, 413, "Message error: no supported attributes found"},
		{`[1]`, 412, "JSON error: not an object"},
		{`null`, 411, "No message??"},
		{`{"audio":"yes"}`, 413, "Invalid element type (audio should be a boolean)"},
		{`{"bitrate":-1}`, 413, "Invalid element type (bitrate should be a positive integer)"},
		{`{"bitrate":1.5}`, 413, "Invalid element type (bitrate should be a positive integer)"},
		{`{"substream":3}`, 413, "Invalid value (substream should be 0, 1 or 2)"},
		{`{"temporal":9}`, 413, "Invalid value (temporal should be 0, 1 or 2)"},
		{`{"record":true}`, 413, "Recording is not supported by Argus"},
	}
	for _, tc := range tests {
		p := send(t, h, s, "tx", tc.body, nil)
		if p.Transaction != "tx" || p.Data["echotest"] != "event" || p.Data["error_code"] != tc.code || p.Data["error"] != tc.text {
			t.Errorf("%s: push = %+v", tc.body, p)
		}
	}
	if host.Count() != 0 {
		t.Errorf("events after errors: %d", host.Count())
	}
	p := send(t, h, s, "ok", `{"audio":false,"bitrate":128000}`, nil)
	if p.Data["result"] != "ok" || p.JSEP != nil {
		t.Fatalf("push = %+v", p)
	}
	waitFor(t, "plugin event", func() bool { return host.Count() == 1 })
	ev, _ := host.Events()[0].Raw.(telemetry.EchoTestData)
	if ev != (telemetry.EchoTestData{AudioActive: false, VideoActive: true, Bitrate: 128000}) {
		t.Errorf("event = %v", ev)
	}
	q := s.(core.SessionQuerier).Query().(map[string]any)
	if q["audio_active"] != false || q["bitrate"] != uint64(128000) {
		t.Errorf("query = %v", q)
	}
}

func TestAdminMessageEcho(t *testing.T) {
	p := New()
	got := p.HandleAdminMessage(context.Background(), json.RawMessage(`{"request":"anything","x":1}`))
	m := got.(map[string]any)
	if m["request"] != "anything" || m["x"] != float64(1) {
		t.Fatalf("admin reply = %v", got)
	}
}

// counter counts packets and bytes received on client tracks, per kind.
type counter struct {
	packets, bytes [2]atomic.Int64 // 0 audio, 1 video
}

func kindIndex(k pion.RTPCodecType) int {
	if k == pion.RTPCodecTypeVideo {
		return 1
	}
	return 0
}

// TestEchoLoopback: a pion client sends Opus and VP8 RTP it builds and a
// data channel message; everything comes back; audio:false stops audio.
func TestEchoLoopback(t *testing.T) {
	h, host, s, reports := setupReports(t)

	me := &pion.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	client := loopbackClient(t, me)
	defer func() { _ = client.Close() }()
	audio, _ := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "c")
	video, _ := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "c")
	if _, err := client.AddTrack(audio); err != nil {
		t.Fatal(err)
	}
	vsender, err := client.AddTrack(video)
	if err != nil {
		t.Fatal(err)
	}
	// RTCP the plugin sends about the client's video: PLIs and REMB.
	var plis atomic.Int64
	var remb atomic.Uint64
	go func() {
		for {
			pkts, _, err := vsender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				switch p := p.(type) {
				case *rtcp.PictureLossIndication:
					plis.Add(1)
				case *rtcp.ReceiverEstimatedMaximumBitrate:
					remb.Store(uint64(p.Bitrate))
				}
			}
		}
	}()
	var cnt counter
	var echoedVideoSSRC atomic.Uint32
	client.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		i := kindIndex(tr.Kind())
		if i == 1 {
			echoedVideoSSRC.Store(uint32(tr.SSRC()))
		}
		buf := make([]byte, 1500)
		for {
			n, _, err := tr.Read(buf)
			if err != nil {
				return
			}
			cnt.packets[i].Add(1)
			cnt.bytes[i].Add(int64(n))
		}
	})
	dc, err := client.CreateDataChannel("echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	replies := make(chan pion.DataChannelMessage, 4)
	dc.OnMessage(func(m pion.DataChannelMessage) { replies <- m })
	opened := make(chan struct{})
	dc.OnOpen(func() { close(opened) })

	p, peer := negotiate(t, h, s, client, `{"audio":true,"video":true}`)
	if n := strings.Count(p.JSEP.SDP, "a=sendrecv"); n < 2 || strings.Contains(p.JSEP.SDP, "a=recvonly") {
		t.Fatalf("answer has %d sendrecv m-lines:\n%s", n, p.JSEP.SDP)
	}
	if n := strings.Count(p.JSEP.SDP, "a=rtpmap:"); n != 3 { // opus, vp8, rtx
		t.Errorf("answer has %d codecs, want 3:\n%s", n, p.JSEP.SDP)
	}

	var aseq, vseq uint16
	const payload = 200
	sendBoth := func(n int, withAudio bool) {
		for range n {
			if withAudio {
				aseq++
				_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: uint32(aseq) * 960}, Payload: make([]byte, payload)})
			}
			vseq++
			_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: vseq, Timestamp: uint32(vseq) * 3000, Marker: true}, Payload: make([]byte, payload)})
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for cnt.packets[0].Load() < 50 || cnt.packets[1].Load() < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("echoed audio %d video %d packets", cnt.packets[0].Load(), cnt.packets[1].Load())
		}
		sendBoth(5, true)
		time.Sleep(10 * time.Millisecond)
	}
	for i, name := range []string{"audio", "video"} {
		if b := cnt.bytes[i].Load(); b < 50*payload {
			t.Errorf("%s: echoed %d bytes", name, b)
		}
		// The echo handle's media reports count what it sent.
		waitFor(t, name+" media report with packets-sent and bytes-sent", func() bool { return reports.sent(name) })
	}

	// Data channel: text gets the prefix, binary comes back unchanged.
	select {
	case <-opened:
	case <-time.After(10 * time.Second):
		t.Fatal("data channel did not open")
	}
	if err := dc.SendText("hello"); err != nil {
		t.Fatal(err)
	}
	if m := nextReply(t, replies); !m.IsString || string(m.Data) != "Janus EchoTest here! You wrote: hello" {
		t.Errorf("text reply = %q", m.Data)
	}
	if err := dc.Send([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if m := nextReply(t, replies); m.IsString || string(m.Data) != "\x01\x02\x03" {
		t.Errorf("binary reply = %v", m.Data)
	}

	// audio:false: audio sent after the ack is not echoed, video still is.
	if p := send(t, h, s, "t2", `{"audio":false}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	v0 := cnt.packets[1].Load()
	// Flush what was in flight before the toggle: wait for fresh video.
	waitSending(t, &cnt, v0+20, func() { sendBoth(5, false) })
	a1, v1 := cnt.packets[0].Load(), cnt.packets[1].Load()
	waitSending(t, &cnt, v1+50, func() { sendBoth(5, true) })
	if a2 := cnt.packets[0].Load(); a2 != a1 {
		t.Errorf("audio echoed while disabled: %d → %d", a1, a2)
	}
	waitFor(t, "plugin events", func() bool { return host.Count() >= 2 })

	// Re-enabling video asks the client for a keyframe.
	p0 := plis.Load()
	if p := send(t, h, s, "t3", `{"video":false}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	if p := send(t, h, s, "t4", `{"video":true}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	waitFor(t, "PLI after video re-enabled", func() bool { return plis.Load() > p0 })
	// A PLI from the client about the echoed video is forwarded to it.
	p1 := plis.Load()
	if err := client.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: echoedVideoSSRC.Load()}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "forwarded PLI", func() bool { return plis.Load() > p1 })
	// bitrate caps the client through REMB.
	if p := send(t, h, s, "t5", `{"bitrate":256000}`, nil); p.Data["result"] != "ok" {
		t.Fatalf("push = %+v", p)
	}
	waitFor(t, "REMB 256000", func() bool { return remb.Load() == 256000 })

	// Hangup: the plugin says "done".
	h.ClosePeer()
	done := h.ExpectTx(t, "")
	if done.Data["echotest"] != "event" || done.Data["result"] != "done" {
		t.Errorf("hangup push = %+v", done)
	}
	<-peer.Done()

	// Detach: the worker, the REMB loop and the RTCP readers, all in the
	// session's goroutine group, are gone when Destroy returns.
	s.Destroy()
	if left := coretest.GoroutinesIn("github.com/argusrtc/argus/core/pluginkit"); len(left) != 0 {
		t.Errorf("%d session goroutines outlived Destroy:\n%s", len(left), left[0])
	}
}

// waitSending keeps sending until the client saw target video packets.
func waitSending(t *testing.T, cnt *counter, target int64, sendMore func()) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for cnt.packets[1].Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("video echo stalled at %d (want %d)", cnt.packets[1].Load(), target)
		}
		sendMore()
		time.Sleep(10 * time.Millisecond)
	}
}

func nextReply(t *testing.T, ch chan pion.DataChannelMessage) pion.DataChannelMessage {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no data channel reply")
		return pion.DataChannelMessage{}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
