package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer"
)

// simulcastMarkers are the last payload byte of each layer's packets.
var simulcastMarkers = map[string]byte{"l": 40, "m": 41, "h": 42}

// vrSimulcastPublisher publishes one VP8 video m-line with three RID
// layers (h, m, l), each packet tagged with the mid and rid extensions.
type vrSimulcastPublisher struct {
	pc     *pion.PeerConnection
	sender *pion.RTPSender
	tracks map[string]*pion.TrackLocalStaticRTP
	stop   chan struct{}
	wg     sync.WaitGroup
}

func newVRSimulcastPublisher() (*vrSimulcastPublisher, error) {
	api, err := testpeer.NewAPI(testpeer.Config{
		Feedback:        []pion.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}},
		VideoExtensions: []string{sdp.SDESMidURI, sdp.SDESRTPStreamIDURI},
		AnyAddress:      true,
	})
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &vrSimulcastPublisher{pc: pc, tracks: map[string]*pion.TrackLocalStaticRTP{}, stop: make(chan struct{})}
	for _, rid := range []string{"h", "m", "l"} {
		tr, err := pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "sim", pion.WithRTPStreamID(rid))
		if err != nil {
			_ = pc.Close()
			return nil, err
		}
		p.tracks[rid] = tr
		if rid == "h" {
			p.sender, err = pc.AddTrack(tr)
		} else {
			err = p.sender.AddEncoding(tr)
		}
		if err != nil {
			_ = pc.Close()
			return nil, err
		}
	}
	return p, nil
}

// startSending sends every layer, tagged with mid and rid.
func (p *vrSimulcastPublisher) startSending(mid string) {
	var midID, ridID uint8
	for _, x := range p.sender.GetParameters().HeaderExtensions {
		switch x.URI {
		case sdp.SDESMidURI:
			midID = uint8(x.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(x.ID)
		}
	}
	p.wg.Add(2)
	go func() { // drain RTCP (PLIs)
		defer p.wg.Done()
		for {
			if _, _, err := p.sender.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(rtpInterval)
		defer tick.Stop()
		for i := uint16(0); ; i++ {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			for rid, tr := range p.tracks {
				payload := append([]byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, make([]byte, 200)...)
				payload[len(payload)-1] = simulcastMarkers[rid]
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: i, Timestamp: uint32(i) * 3000}, Payload: payload}
				_ = pkt.SetExtension(midID, []byte(mid))
				_ = pkt.SetExtension(ridID, []byte(rid))
				_ = tr.WriteRTP(pkt)
			}
		}
	}()
}

func (p *vrSimulcastPublisher) close() {
	close(p.stop)
	_ = p.pc.Close()
	p.wg.Wait()
}

// TestVideoRoomSimulcast: a subscriber gets the highest layer by default
// and the lowest after configure substream 0, on the same m-line.
func TestVideoRoomSimulcast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*vrStepTimeout)
	defer cancel()
	srv := startVideoRoomServer(t)
	pubUser, err := newVRUser(ctx, t, srv, "simulcaster", 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := pubUser.async(ctx, pubUser.pubHID, msg{"request": "join", "ptype": "publisher", "room": 1234, "display": "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pubUser.feed = u64(pluginData(ev)["id"])
	pub, err := newVRSimulcastPublisher()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // Argus closes its side first
		pubUser.close()
		pub.close()
	}()
	offer, err := pub.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sdpOffer, err := gathered(ctx, pub.pc, offer)
	if err != nil {
		t.Fatal(err)
	}
	ev, err = pubUser.async(ctx, pubUser.pubHID, msg{"request": "publish"}, msg{"type": "offer", "sdp": sdpOffer})
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := pub.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	if err := waitPCConnected(ctx, pub.pc); err != nil {
		t.Fatal(err)
	}
	pub.startSending(pub.pc.GetTransceivers()[0].Mid())

	viewer, err := newVRUser(ctx, t, srv, "viewer", 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := viewer.subscribe(ctx, pubUser.feed)
	if err != nil {
		t.Fatal(err)
	}
	mid := s.midOf(pubUser.feed, "video")
	tr := s.peer.track(mid)
	waitMarker := func(want byte) {
		t.Helper()
		for tr.lastMarker.Load() != int32(want) {
			select {
			case <-ctx.Done():
				t.Fatalf("m-line %s: marker %d, want %d", mid, tr.lastMarker.Load(), want)
			case <-waitTick():
			}
		}
	}
	waitMarker(simulcastMarkers["h"])
	ev, err = viewer.async(ctx, s.hid, msg{"request": "configure", "streams": []any{map[string]any{"mid": mid, "substream": 0}}}, nil)
	if err != nil || pluginData(ev)["configured"] != "ok" {
		t.Fatalf("configure: %v %s", err, jsonString(ev))
	}
	waitMarker(simulcastMarkers["l"])
	// Only the selected layer flows: a run of packets all from "l".
	base := tr.packets.Load()
	for tr.packets.Load() < base+25 {
		if m := tr.lastMarker.Load(); m != int32(simulcastMarkers["l"]) {
			t.Fatalf("packet from layer marker %d after selecting l", m)
		}
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Errorf("no media after switching layer: %w", ctx.Err()))
		case <-time.After(5 * time.Millisecond):
		}
	}
	res, err := srv.admin(ctx, msg{"janus": "handle_info", "session_id": pubUser.sid, "handle_id": pubUser.pubHID})
	if err != nil {
		t.Fatal(err)
	}
	streams, _ := field(res, "info", "plugin_specific", "streams").([]any)
	if len(streams) != 1 || streams[0].(map[string]any)["simulcast"] != true {
		t.Errorf("publisher streams in handle_info: %s", jsonString(streams))
	}
}
