package webrtc

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// recorder is a recording telemetry.Emitter.
type recorder struct{ telemetrytest.Emitter }

// find returns the events of a type and subtype matching pred.
func (r *recorder) find(t telemetry.Type, sub int, pred func(map[string]any) bool) []*telemetry.Event {
	var out []*telemetry.Event
	for _, e := range r.Events() {
		if e.Type != t || e.Subtype != sub {
			continue
		}
		if b := telemetrytest.Fields(e.Body); b != nil && (pred == nil || pred(b)) {
			out = append(out, e)
		}
	}
	return out
}

// observer records Observer calls.
type observer struct {
	mu      sync.Mutex
	up      int
	media   []string // "mid/kind/true"
	hangups []string
	slow    []string
}

func (o *observer) WebRTCUp() { o.mu.Lock(); o.up++; o.mu.Unlock() }
func (o *observer) Media(mid, kind string, rx bool) {
	o.mu.Lock()
	o.media = append(o.media, mid+"/"+kind+"/"+map[bool]string{true: "true", false: "false"}[rx])
	o.mu.Unlock()
}
func (o *observer) SlowLink(mid, kind string, uplink bool, lost int) {
	o.mu.Lock()
	o.slow = append(o.slow, mid+"/"+kind+"/"+map[bool]string{true: "uplink", false: "downlink"}[uplink])
	o.mu.Unlock()
}
func (o *observer) Hangup(reason string) {
	o.mu.Lock()
	o.hangups = append(o.hangups, reason)
	o.mu.Unlock()
}

func (o *observer) snapshot() (int, []string, []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.up, append([]string(nil), o.media...), append([]string(nil), o.hangups...)
}

func (o *observer) has(media string) bool {
	_, m, _ := o.snapshot()
	for _, x := range m {
		if x == media {
			return true
		}
	}
	return false
}

// testEngine builds a loopback Engine with fast timers.
func testEngine(t *testing.T, rec telemetry.Emitter) *Engine {
	t.Helper()
	return engineOf(t, Config{
		ServerName: "test", Emitter: rec, IncludeLoopback: true,
		StatsPeriod: 100 * time.Millisecond, NoMediaTimer: 300 * time.Millisecond,
	}, nil)
}

// engineOf is an Engine of cfg, its pion SettingEngine changed by tweak
// (when not nil), closed when the test ends. With IncludeLoopback and no
// enforce list it gathers on 127.0.0.1 only (testkit.LoopbackICE).
func engineOf(t *testing.T, cfg Config, tweak func(*pion.SettingEngine)) *Engine {
	t.Helper()
	if cfg.IncludeLoopback && cfg.ICEEnforceList == nil {
		cfg.ICEEnforceList = testkit.LoopbackICE()
	}
	e, err := newEngine(cfg, tweak)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// clientAPI is a plain pion API on loopback for the client side
// (internal/testpeer: pion's default codecs, no interceptors).
func clientAPI(t *testing.T) *pion.API {
	t.Helper()
	return clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true})
}

// browserAPI is clientAPI with pion's default interceptors, as a browser
// runs them: it offers transport-cc and sends receiver reports and NACKs.
func browserAPI(t *testing.T) *pion.API {
	t.Helper()
	return clientAPIOf(t, testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true, Interceptors: true})
}

func clientAPIOf(t *testing.T, cfg testpeer.Config) *pion.API {
	t.Helper()
	api, err := testpeer.NewAPI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// sendRTP writes n packets on a local track.
func sendRTP(t *testing.T, tr *pion.TrackLocalStaticRTP, pt uint8, seq *uint16, n int) {
	t.Helper()
	for range n {
		*seq++
		pkt := &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: *seq, Timestamp: uint32(*seq) * 960, SSRC: 1},
			Payload: make([]byte, 100),
		}
		if err := tr.WriteRTP(pkt); err != nil {
			t.Fatalf("write rtp: %v", err)
		}
	}
}

// countRTP counts the RTP packets pc receives on its remote tracks.
func countRTP(pc *pion.PeerConnection) *atomic.Int64 {
	var n atomic.Int64
	pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			n.Add(1)
		}
	})
	return &n
}

// sendUntil writes Opus RTP on tr, 5 packets every 20 ms, until got
// (what the other side received) reaches n; it fails the test after 10 s.
func sendUntil(t *testing.T, tr *pion.TrackLocalStaticRTP, got *atomic.Int64, n int64) {
	t.Helper()
	var seq uint16
	deadline := time.Now().Add(10 * time.Second)
	for got.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d packets came through, want %d", got.Load(), n)
		}
		sendRTP(t, tr, 111, &seq, 5)
		time.Sleep(20 * time.Millisecond)
	}
}

// ctxT is a bounded context for one test step.
func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newPeer makes a Peer on eng; it is closed, and waited for, when the
// test ends.
func newPeer(t *testing.T, eng *Engine, params PeerParams) *Peer {
	t.Helper()
	peer, err := eng.NewPeer(params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close("test"); <-peer.Done() })
	return peer
}

// waitDone fails the test with msg unless the Peer ends within d.
func waitDone(t *testing.T, peer *Peer, d time.Duration, msg string) {
	t.Helper()
	select {
	case <-peer.Done():
	case <-time.After(d):
		t.Fatal(msg)
	}
}

// drain reads a remote track until it ends (pion counts on Read).
func drain(tr *pion.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := tr.Read(buf); err != nil {
			return
		}
	}
}

// newClient is a pion client (clientAPI) with one transceiver of each of
// kinds, closed when the test ends.
func newClient(t *testing.T, kinds ...pion.RTPCodecType) *pion.PeerConnection {
	t.Helper()
	return newClientOf(t, clientAPI(t), kinds...)
}

// newClientOf is newClient on api.
func newClientOf(t *testing.T, api *pion.API, kinds ...pion.RTPCodecType) *pion.PeerConnection {
	t.Helper()
	client, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	for _, k := range kinds {
		if _, err := client.AddTransceiverFromKind(k); err != nil {
			t.Fatal(err)
		}
	}
	return client
}

// validOffer makes a real offer from a pion client with one m-line of
// each of kinds.
func validOffer(t *testing.T, kinds ...pion.RTPCodecType) string {
	t.Helper()
	o, err := newClient(t, kinds...).CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

// connect negotiates a Peer with a pion client sending one Opus track;
// the Peer side drains its remote tracks.
func connect(t *testing.T, peer *Peer) (*pion.PeerConnection, *pion.TrackLocalStaticRTP) {
	t.Helper()
	peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) { drain(tr) })
	client := newClient(t)
	tr := addOpusTrack(t, client)
	negotiate(t, peer, client)
	return client, tr
}

// opusTrack is an Opus track for a client to send.
func opusTrack(t *testing.T) *pion.TrackLocalStaticRTP {
	t.Helper()
	tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "c", "cs")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// addOpusTrack adds an Opus track for the client to send.
func addOpusTrack(t *testing.T, client *pion.PeerConnection) *pion.TrackLocalStaticRTP {
	t.Helper()
	tr := opusTrack(t)
	if _, err := client.AddTrack(tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// gatherLocal has the client create an offer (typ SDPTypeOffer) or an
// answer, set it as its local description and gather its candidates. It
// returns the SDP as created, without candidates, and as gathered, with
// them.
func gatherLocal(t testing.TB, client *pion.PeerConnection, typ pion.SDPType) (created, gathered string) {
	t.Helper()
	var desc pion.SessionDescription
	var err error
	if typ == pion.SDPTypeOffer {
		desc, err = client.CreateOffer(nil)
	} else {
		desc, err = client.CreateAnswer(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	done := pion.GatheringCompletePromise(client)
	if err := client.SetLocalDescription(desc); err != nil {
		t.Fatal(err)
	}
	<-done
	return desc.SDP, client.LocalDescription().SDP
}

// negotiate has the client offer (candidates in the SDP) and applies the
// Peer's answer.
func negotiate(t testing.TB, peer *Peer, client *pion.PeerConnection) {
	t.Helper()
	_, offer := gatherLocal(t, client, pion.SDPTypeOffer)
	answerOffer(t, peer, client, offer)
}

// answerOffer applies the client's offer to the Peer and the Peer's answer
// to the client.
func answerOffer(t testing.TB, peer *Peer, client *pion.PeerConnection, offer string) {
	t.Helper()
	if err := peer.SetRemoteDescription(ctxT(t), "offer", offer); err != nil {
		t.Fatal(err)
	}
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
}

// negotiateFromPeer has the Peer offer and applies the client's answer
// (candidates in the SDP): the way round of VideoRoom subscribers.
func negotiateFromPeer(t *testing.T, peer *Peer, client *pion.PeerConnection) {
	t.Helper()
	offerFromPeer(t, peer, client, false)
}

// offerFromPeer is negotiateFromPeer, with an ICE restart if iceRestart.
func offerFromPeer(t testing.TB, peer *Peer, client *pion.PeerConnection, iceRestart bool) {
	t.Helper()
	offer, err := peer.CreateOffer(ctxT(t), iceRestart)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	_, answer := gatherLocal(t, client, pion.SDPTypeAnswer)
	if err := peer.SetRemoteDescription(ctxT(t), "answer", answer); err != nil {
		t.Fatal(err)
	}
}

// dataCall is a new Peer and pion client negotiated with a data channel
// only; offers ("argus" or "client") is the side that adds the channel
// and offers, so the Peer is the DTLS server when Argus offers.
func dataCall(t *testing.T, offers string) (*Peer, *pion.PeerConnection) {
	t.Helper()
	peer := newPeer(t, testEngine(t, &recorder{}), PeerParams{SessionID: 1, HandleID: 2, Observer: &observer{}})
	client := newClient(t)
	if offers == "client" {
		if _, err := client.CreateDataChannel("d", nil); err != nil {
			t.Fatal(err)
		}
		negotiate(t, peer, client)
		return peer, client
	}
	if _, err := peer.PeerConnection().CreateDataChannel("d", nil); err != nil {
		t.Fatal(err)
	}
	negotiateFromPeer(t, peer, client)
	return peer, client
}

// avCall is a connected Peer and pion client: the client sends Opus
// (sendrecv) and VP8 (sendonly); the Peer sends Opus back on a track
// attached with AttachTrack. The client's RTCP readers are drained
// (pion's interceptors see RTCP only when it is read; the Peer reads its
// receivers' RTCP itself, receiverrtcp.go) and the Peer drains its remote
// tracks.
type avCall struct {
	client         *pion.PeerConnection
	cAudio, cVideo *pion.TrackLocalStaticRTP // the client's tracks
	video          *pion.RTPTransceiver      // the client's video transceiver
	audio          *pion.RTPTransceiver      // the Peer's audio transceiver
	pAudio         *pion.TrackLocalStaticRTP // what the Peer sends
	sender         *pion.RTPSender           // the Peer's audio sender
}

// newAVCall connects peer (whose Observer is obs) to a client of api.
func newAVCall(t *testing.T, peer *Peer, obs *observer, api *pion.API) *avCall {
	t.Helper()
	peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) { drain(tr) })
	c := &avCall{}
	var err error
	if c.client, err = api.NewPeerConnection(pion.Configuration{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.client.Close() })
	c.client.OnTrack(func(tr *pion.TrackRemote, r *pion.RTPReceiver) {
		drainRTCP(func() error { _, _, err := r.ReadRTCP(); return err })
		drain(tr)
	})
	opus := pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	if c.cAudio, err = pion.NewTrackLocalStaticRTP(opus, "a", "c"); err != nil {
		t.Fatal(err)
	}
	if c.cVideo, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "v", "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.client.AddTrack(c.cAudio); err != nil {
		t.Fatal(err)
	}
	if c.video, err = c.client.AddTransceiverFromTrack(c.cVideo, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	drainRTCP(func() error { _, _, err := c.video.Sender().ReadRTCP(); return err })
	_, offer := gatherLocal(t, c.client, pion.SDPTypeOffer)
	if err := peer.SetRemoteDescription(ctxT(t), "offer", offer); err != nil {
		t.Fatal(err)
	}
	for _, tr := range peer.PeerConnection().GetTransceivers() {
		if tr.Kind() == pion.RTPCodecTypeAudio {
			c.audio = tr
		}
	}
	if c.audio == nil {
		t.Fatal("no audio transceiver")
	}
	if c.pAudio, err = pion.NewTrackLocalStaticRTP(opus, "audio", "argus"); err != nil {
		t.Fatal(err)
	}
	if c.sender, err = peer.AttachTrack(c.audio, c.pAudio); err != nil {
		t.Fatal(err)
	}
	drainRTCP(func() error { _, _, err := c.sender.ReadRTCP(); return err })
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 10*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })
	return c
}
