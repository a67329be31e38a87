package webrtc

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// TestTWCCFeedback reads packets carrying transport-wide sequence numbers
// through the Engine's chain and checks the transport-cc feedback written:
// every packet reported once, from the first sequence number, for the
// stream's SSRC. A stream without the extension gets none.
func TestTWCCFeedback(t *testing.T) {
	noExt := twccVideo
	noExt.RTPHeaderExtensions = nil
	tests := []struct {
		name    string
		info    interceptor.StreamInfo
		packets int
		want    int // packets reported
	}{
		{"transport-cc negotiated", twccVideo, 40, 40},
		{"no transport-wide sequence extension", noExt, 40, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var reports []*rtcp.TransportLayerCC
			chain, _ := buildChain(t, true, interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range pkts {
					if cc, ok := p.(*rtcp.TransportLayerCC); ok {
						reports = append(reports, cc)
					}
				}
				return len(pkts), nil
			}))
			r := chain.BindRemoteStream(&tt.info, newPacketSource(tt.info.SSRC))
			buf := make([]byte, 1500)
			for range tt.packets {
				if _, _, err := r.Read(buf, nil); err != nil {
					t.Fatal(err)
				}
			}
			reported := func() (n int, first uint16, ssrc uint32) {
				mu.Lock()
				defer mu.Unlock()
				for i, cc := range reports {
					if i == 0 {
						first, ssrc = cc.BaseSequenceNumber, cc.MediaSSRC
					}
					n += int(cc.PacketStatusCount)
				}
				return n, first, ssrc
			}
			deadline := time.Now().Add(5 * time.Second)
			for n, _, _ := reported(); n < tt.want && time.Now().Before(deadline); n, _, _ = reported() {
				time.Sleep(20 * time.Millisecond)
			}
			if tt.want == 0 {
				time.Sleep(3 * twccInterval) // a report would have gone out by now
			}
			if err := chain.Close(); err != nil {
				t.Fatal(err)
			}
			n, first, ssrc := reported()
			if n != tt.want {
				t.Fatalf("%d packets reported, want %d", n, tt.want)
			}
			if tt.want > 0 && (first != 1 || ssrc != tt.info.SSRC) {
				t.Fatalf("first report from sequence %d for SSRC %d, want 1 for %d", first, ssrc, tt.info.SSRC)
			}
		})
	}
}
