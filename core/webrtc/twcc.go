package webrtc

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// twccInterval is how often transport-wide congestion control feedback is
// sent (pion's and browsers' 100 ms).
const twccInterval = 100 * time.Millisecond

// twccFactory builds one twccFeedback per PeerConnection.
type twccFactory struct{}

// NewInterceptor implements interceptor.Factory.
func (twccFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &twccFeedback{start: time.Now(), done: make(chan struct{})}, nil
}

// twccFeedback answers the transport-wide sequence numbers of received
// RTP with RTCP transport-cc feedback (draft-holmer-rmcat-transport-wide-
// cc-extensions-01), using pion's twcc.Recorder to build the reports.
//
// It replaces pion's twcc.SenderInterceptor, which handed every received
// packet over a channel to its reporting goroutine, waking it once per
// packet. Here the reader records the arrival under a mutex held for a few
// hundred instructions and the goroutine wakes once per interval.
type twccFeedback struct {
	interceptor.NoOp
	start time.Time

	mu  sync.Mutex
	rec *twcc.Recorder // nil until the RTCP writer is bound

	once sync.Once
	done chan struct{}
	wg   sync.WaitGroup
}

// BindRTCPWriter starts the reporting loop (once per PeerConnection).
func (t *twccFeedback) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rec != nil {
		return writer
	}
	select {
	case <-t.done:
		return writer
	default:
	}
	t.rec = twcc.NewRecorder(rand.Uint32()) //nolint:gosec // an SSRC, not a secret
	t.wg.Add(1)
	go t.loop(writer)
	return writer
}

// loop sends the feedback gathered since the last tick.
func (t *twccFeedback) loop(writer interceptor.RTCPWriter) {
	defer t.wg.Done()
	tick := time.NewTicker(twccInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-tick.C:
		}
		t.mu.Lock()
		pkts := t.rec.BuildFeedbackPacket()
		t.mu.Unlock()
		if len(pkts) > 0 {
			_, _ = writer.Write(pkts, nil) // a closing PeerConnection refuses
		}
	}
}

// BindRemoteStream records the arrival of each packet that carries the
// transport-wide sequence number, when the stream negotiated it.
func (t *twccFeedback) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	var id uint8
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.TransportCCURI {
			id = uint8(e.ID) //nolint:gosec // extension IDs are 1..255
			break
		}
	}
	if id == 0 {
		return reader
	}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		h, herr := attr.GetRTPHeader(b[:n])
		if herr != nil {
			return n, attr, nil //nolint:nilerr // not RTP we can read: no feedback, the packet goes on
		}
		t.record(h, id)
		return n, attr, nil
	})
}

// record notes one packet's arrival.
func (t *twccFeedback) record(h *rtp.Header, id uint8) {
	ext := h.GetExtension(id)
	if len(ext) < 2 {
		return
	}
	seq := uint16(ext[0])<<8 | uint16(ext[1])
	at := time.Since(t.start).Microseconds()
	t.mu.Lock()
	if t.rec != nil {
		t.rec.Record(h.SSRC, seq, at)
	}
	t.mu.Unlock()
}

// Close stops the reporting loop.
func (t *twccFeedback) Close() error {
	t.once.Do(func() { close(t.done) })
	t.wg.Wait()
	return nil
}

var (
	_ interceptor.Interceptor = (*twccFeedback)(nil)
	_ interceptor.Factory     = twccFactory{}
)
