package webrtc

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/sdp/v3"
)

// twccInterval is how often transport-wide congestion control feedback is
// sent (pion's and browsers' 100 ms).
const twccInterval = 100 * time.Millisecond

// twccFactory builds one twccFeedback per PeerConnection; ticker sends
// the feedback of all of them.
type twccFactory struct{ ticker *rtcpTicker }

// NewInterceptor implements interceptor.Factory.
func (f twccFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	if f.ticker == nil {
		return nil, errNoRTCPTicker
	}
	return &twccFeedback{start: time.Now(), ticker: f.ticker}, nil
}

// twccFeedback answers the transport-wide sequence numbers of received
// RTP with RTCP transport-cc feedback (draft-holmer-rmcat-transport-wide-
// cc-extensions-01), using pion's twcc.Recorder to build the reports.
// It joins the Engine's rtcpTicker only once a received stream negotiated
// the extension, so a PeerConnection that receives no media (a VideoRoom
// subscriber) costs the ticker nothing ten times a second.
//
// It replaces pion's twcc.SenderInterceptor, which handed every received
// packet over a channel to its reporting goroutine, waking it once per
// packet. Here the reader records the arrival under a mutex held for a few
// hundred instructions, and the Engine's rtcpTicker sends the feedback of
// every PeerConnection once per interval from one goroutine.
type twccFeedback struct {
	interceptor.NoOp
	start  time.Time
	ticker *rtcpTicker

	mu     sync.Mutex
	rec    *twcc.Recorder         // nil until the feedback starts
	out    interceptor.RTCPWriter // the writer below, once bound
	wanted bool                   // a received stream negotiated transport-cc
	closed bool
}

// BindRTCPWriter keeps the writer for the feedback.
func (t *twccFeedback) BindRTCPWriter(writer interceptor.RTCPWriter) interceptor.RTCPWriter {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.out == nil {
		t.out = writer
	}
	t.startLocked()
	return writer
}

// startLocked starts the feedback (once per PeerConnection) when both the
// RTCP writer and a stream to report on are bound and the interceptor is
// not closed. Callers hold mu.
func (t *twccFeedback) startLocked() {
	if t.rec != nil || t.out == nil || !t.wanted || t.closed {
		return
	}
	t.rec = twcc.NewRecorder(rand.Uint32()) //nolint:gosec // an SSRC, not a secret
	t.ticker.add(t, twccInterval)
}

// tick sends the feedback gathered since the last one.
func (t *twccFeedback) tick(time.Time) {
	t.mu.Lock()
	pkts := t.rec.BuildFeedbackPacket()
	out := t.out
	t.mu.Unlock()
	if len(pkts) > 0 {
		_, _ = out.Write(pkts, nil) // a closing PeerConnection refuses
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
	t.mu.Lock()
	t.wanted = true
	t.startLocked()
	t.mu.Unlock()
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		if ssrc, seq, ok := transportSeq(b[:n], id); ok {
			t.record(ssrc, seq)
		}
		return n, attr, nil
	})
}

// record notes one packet's arrival.
func (t *twccFeedback) record(ssrc uint32, seq uint16) {
	at := time.Since(t.start).Microseconds()
	t.mu.Lock()
	if t.rec != nil {
		t.rec.Record(ssrc, seq, at)
	}
	t.mu.Unlock()
}

// RTP header layout (RFC 3550 5.1, RFC 8285).
const (
	rtpFixedHeader     = 12
	rtpProfileOneByte  = 0xBEDE
	rtpProfileTwoByte  = 0x1000
	rtpExtIDReserved   = 15 // one-byte form: stop parsing
	rtpExtIDPadding    = 0
	rtpExtHeaderLength = 4 // profile and length words
)

// transportSeq finds, in a raw RTP packet, the SSRC and the transport-wide
// sequence number carried in header extension id (1..255). It walks the header
// as pion's rtp.Header.Unmarshal does and accepts exactly what that
// accepts (a malformed extension block anywhere gives false, as the
// parse error did), but reads only what TWCC needs: looking the parsed
// header up in the attributes map cost more than the walk.
func transportSeq(b []byte, id uint8) (ssrc uint32, seq uint16, ok bool) {
	if len(b) < rtpFixedHeader || b[0]&0x10 == 0 { // no extension: nothing to record
		return 0, 0, false
	}
	n := rtpFixedHeader + 4*int(b[0]&0x0f)
	if len(b) < n+rtpExtHeaderLength {
		return 0, 0, false
	}
	profile := binary.BigEndian.Uint16(b[n:])
	end := n + rtpExtHeaderLength + 4*int(binary.BigEndian.Uint16(b[n+2:]))
	n += rtpExtHeaderLength
	if len(b) < end || (profile != rtpProfileOneByte && profile != rtpProfileTwoByte) {
		return 0, 0, false
	}
	var found []byte
	for n < end {
		if b[n] == rtpExtIDPadding {
			n++
			continue
		}
		var ext uint8
		var size int
		if profile == rtpProfileOneByte {
			ext, size = b[n]>>4, int(b[n]&0x0f)+1
			n++
			if ext == rtpExtIDReserved || ext == rtpExtIDPadding {
				break
			}
		} else {
			ext = b[n]
			n++
			if end <= n {
				return 0, 0, false
			}
			size = int(b[n])
			n++
		}
		if end < n+size {
			return 0, 0, false
		}
		if ext == id && found == nil {
			found = b[n : n+size]
		}
		n += size
	}
	if len(found) < 2 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(b[8:12]), binary.BigEndian.Uint16(found), true
}

// Close stops the feedback.
func (t *twccFeedback) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.ticker.remove(t)
	return nil
}

var (
	_ interceptor.Interceptor = (*twccFeedback)(nil)
	_ rtcpTask                = (*twccFeedback)(nil)
	_ interceptor.Factory     = twccFactory{}
)
