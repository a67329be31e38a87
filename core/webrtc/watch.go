package webrtc

import (
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// streamCounters are the per-SSRC counters touched on the packet path: only
// atomic adds, read by the Peer's ticker.
type streamCounters struct {
	ssrc    uint32
	mime    string
	clock   uint32
	packets atomic.Uint64
	bytes   atomic.Uint64
}

// mediaWatch is a per-PeerConnection interceptor that counts RTP packets
// and bytes per SSRC in both directions and remembers the RTCP feedback
// received (REMB, PLI, FIR). It never blocks and never locks per packet.
type mediaWatch struct {
	interceptor.NoOp

	mu     sync.Mutex
	remote map[uint32]*streamCounters
	local  map[uint32]*streamCounters

	firstPacket chan struct{} // non-blocking notification: a stream got its first packet

	rembBitrate atomic.Uint64 // last REMB bitrate received (bps)
	plisIn      atomic.Uint64 // PLI + FIR received from the remote peer
}

func newMediaWatch() *mediaWatch {
	return &mediaWatch{
		remote:      map[uint32]*streamCounters{},
		local:       map[uint32]*streamCounters{},
		firstPacket: make(chan struct{}, 1),
	}
}

// BindRemoteStream counts incoming RTP of one SSRC.
func (w *mediaWatch) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	c := &streamCounters{ssrc: info.SSRC, mime: info.MimeType, clock: info.ClockRate}
	w.mu.Lock()
	w.remote[info.SSRC] = c
	w.mu.Unlock()
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err == nil && n > 0 {
			c.bytes.Add(uint64(n))
			if c.packets.Add(1) == 1 {
				select {
				case w.firstPacket <- struct{}{}:
				default:
				}
			}
		}
		return n, attr, err
	})
}

// UnbindRemoteStream forgets an incoming SSRC.
func (w *mediaWatch) UnbindRemoteStream(info *interceptor.StreamInfo) {
	w.mu.Lock()
	delete(w.remote, info.SSRC)
	w.mu.Unlock()
}

// BindLocalStream counts outgoing RTP of one SSRC.
func (w *mediaWatch) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	c := &streamCounters{ssrc: info.SSRC, mime: info.MimeType, clock: info.ClockRate}
	w.mu.Lock()
	w.local[info.SSRC] = c
	w.mu.Unlock()
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n, err := writer.Write(h, payload, a)
		if err == nil {
			c.packets.Add(1)
			c.bytes.Add(uint64(n))
		}
		return n, err
	})
}

// UnbindLocalStream forgets an outgoing SSRC.
func (w *mediaWatch) UnbindLocalStream(info *interceptor.StreamInfo) {
	w.mu.Lock()
	delete(w.local, info.SSRC)
	w.mu.Unlock()
}

// BindRTCPReader records REMB and picture-loss feedback from the remote peer.
func (w *mediaWatch) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		if attr == nil {
			attr = interceptor.Attributes{}
		}
		pkts, perr := attr.GetRTCPPackets(b[:n])
		if perr != nil {
			return n, attr, nil //nolint:nilerr // malformed RTCP is not our reader's error
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				w.rembBitrate.Store(uint64(p.Bitrate))
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				w.plisIn.Add(1)
			}
		}
		return n, attr, nil
	})
}

// snapshot returns the counters of one direction, keyed by SSRC.
func (w *mediaWatch) snapshot(remote bool) map[uint32]*streamCounters {
	w.mu.Lock()
	defer w.mu.Unlock()
	src := w.local
	if remote {
		src = w.remote
	}
	out := make(map[uint32]*streamCounters, len(src))
	for k, v := range src {
		out[k] = v
	}
	return out
}

// watchFactory builds one mediaWatch per PeerConnection.
type watchFactory struct{ onNew func(*mediaWatch) }

// NewInterceptor implements interceptor.Factory.
func (f *watchFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	w := newMediaWatch()
	if f.onNew != nil {
		f.onNew(w)
	}
	return w, nil
}

var (
	_ interceptor.Interceptor = (*mediaWatch)(nil)
	_ interceptor.Factory     = (*watchFactory)(nil)
)
