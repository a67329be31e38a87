package echotest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testpeer"
)

// TestEchoManyPeersShareOnePort: EchoTest sessions of many pion clients
// all use the engine's one UDP port (every candidate of every answer),
// their media comes back, and the engine sent it in fewer system calls
// than packets (sendmmsg batches across PeerConnections).
func TestEchoManyPeersShareOnePort(t *testing.T) {
	const peers, payload = 12, 300
	eng := coretest.Engine(t, webrtc.Config{SharedUDP: true})
	port, _, ok := eng.SharedUDP()
	if !ok {
		t.Fatal("the engine has no shared UDP port with SharedUDP")
	}
	p := New()
	if err := p.Init(t.Context(), &coretest.Host{}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Destroy(context.Background()) })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	clients := make([]*testpeer.Peer, peers)
	for i := range clients {
		h := coretest.NewHandle(core.HandleID(10+i), "echotest-shared", eng)
		s, err := p.NewSession(h)
		if err != nil {
			t.Fatal(err)
		}
		h.Attach(s)
		t.Cleanup(func() { h.ClosePeer(); s.Destroy() })
		c, err := testpeer.New(testpeer.Config{Codecs: testpeer.CodecsPion, Audio: true, Video: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		push, _ := sendOffer(ctx, t, h, s, c)
		if push.JSEP == nil {
			t.Fatalf("no answer: %+v", push)
		}
		for _, line := range strings.Split(push.JSEP.SDP, "\n") {
			f := strings.Fields(line)
			if len(f) < 6 || !strings.HasPrefix(f[0], "a=candidate:") {
				continue
			}
			if got, _ := strconv.Atoi(f[5]); got != port {
				t.Errorf("peer %d: candidate %q not on the shared port %d", i, line, port)
			}
		}
		if err := c.SetAnswer(push.JSEP.SDP); err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	for _, c := range clients {
		// Frames of 4 packets, as a video frame larger than the MTU.
		c.Start(testpeer.Media{AudioPPS: 50, VideoFPS: 50, VideoPerFrame: 4, VideoSize: payload})
	}
	for i, c := range clients {
		waitFor(t, "echoed video on peer "+strconv.Itoa(i), func() bool { return c.Received("video").Packets.Load() >= 200 })
		if b := c.Received("video").Bytes.Load(); b < 200*payload {
			t.Errorf("peer %d: %d video payload bytes echoed, want at least %d", i, b, 200*payload)
		}
	}
	_, st, _ := eng.SharedUDP()
	t.Logf("shared port %d: %+v (%.2f packets per send call)", port, st, float64(st.Sent)/float64(max(st.SendCalls, 1)))
	if st.Sent < peers*200 || st.SendCalls >= st.Sent {
		t.Errorf("sent %d packets in %d system calls: want at least %d packets, batched", st.Sent, st.SendCalls, peers*200)
	}
	if st.Dropped != 0 {
		t.Errorf("%d packets dropped by the send queue", st.Dropped)
	}
}
