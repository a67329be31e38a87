package webrtc

import (
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/telemetry"
)

// TestRemoteCloseWithDataChannel closes the client first while the Peer
// has a data channel m-line: the Peer hangs up with Janus's "DTLS alert"
// while pion closes itself, and its final media report must not race
// pion's own close (run with -race) and must still cover the data m-line.
func TestRemoteCloseWithDataChannel(t *testing.T) {
	for i := range 3 {
		rec := &recorder{}
		obs := &observer{}
		peer := newPeer(t, testEngine(t, rec), PeerParams{SessionID: 9, HandleID: uint64(i + 1), Observer: obs})
		peer.PeerConnection().OnDataChannel(func(dc *pion.DataChannel) {
			dc.OnMessage(func(m pion.DataChannelMessage) { _ = dc.Send(m.Data) })
		})
		client := newClient(t)
		dc, err := client.CreateDataChannel("chat", nil)
		if err != nil {
			t.Fatal(err)
		}
		echoed := make(chan struct{}, 1)
		dc.OnOpen(func() { _ = dc.SendText("hello") })
		dc.OnMessage(func(pion.DataChannelMessage) {
			select {
			case echoed <- struct{}{}:
			default:
			}
		})
		negotiate(t, peer, client)
		select {
		case <-echoed:
		case <-time.After(10 * time.Second):
			t.Fatal("no data channel echo")
		}
		if err := client.Close(); err != nil {
			t.Fatalf("client close: %v", err)
		}
		waitDone(t, peer, 10*time.Second, "peer not done after the client closed")
		if _, _, hangups := obs.snapshot(); len(hangups) != 1 || hangups[0] != "DTLS alert" {
			t.Fatalf("hangups %v, want one with reason \"DTLS alert\"", hangups)
		}
		data := rec.find(telemetry.TypeMedia, telemetry.SubtypeMediaReport, func(b map[string]any) bool { return b["media"] == "data" })
		if len(data) == 0 {
			t.Fatal("no media report for the data m-line")
		}
	}
}
