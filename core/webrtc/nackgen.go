package webrtc

import (
	"sync"

	"github.com/pion/interceptor"
)

// lazyWriterFactory builds interceptors whose RTCP writer is bound only
// once a received stream needs it: pion's NACK generator starts its
// 100 ms ticker goroutine in BindRTCPWriter, for every PeerConnection,
// although one that receives nothing (a VideoRoom subscriber) has nothing
// to NACK; at 1 -> 500 that was 5 000 wake-ups a second for empty NACK
// rounds (docs/BENCHMARKS.md, Round 7 — fan-out 1 -> 500), as
// twccFeedback's loop was before it waited for a stream (twcc.go).
//
// The wrapped interceptor must return the writer it is given from
// BindRTCPWriter unchanged (pion's NACK generator does): the chain gets
// that writer before the inner interceptor sees it.
type lazyWriterFactory struct {
	inner interceptor.Factory
	// needs tells whether a received stream makes the inner interceptor
	// work (for the NACK generator: the stream negotiated nack).
	needs func(*interceptor.StreamInfo) bool
}

// NewInterceptor implements interceptor.Factory.
func (f lazyWriterFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	in, err := f.inner.NewInterceptor(id)
	if err != nil {
		return nil, err
	}
	return &lazyWriter{Interceptor: in, needs: f.needs}, nil
}

// lazyWriter passes every call to the inner interceptor but holds its
// BindRTCPWriter back until the first received stream that needs it.
type lazyWriter struct {
	interceptor.Interceptor

	needs func(*interceptor.StreamInfo) bool

	mu     sync.Mutex
	writer interceptor.RTCPWriter // the chain's writer, once bound
	wanted bool                   // a stream that needs the writer was bound
	bound  bool                   // the inner interceptor has the writer
}

// BindRTCPWriter keeps the writer, and hands it over at once if a stream
// already asked for it.
func (l *lazyWriter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writer = w
	l.bindLocked()
	return w
}

// BindRemoteStream binds the stream to the inner interceptor and, for the
// first stream that needs it, hands the writer over.
func (l *lazyWriter) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	r = l.Interceptor.BindRemoteStream(info, r)
	if l.needs(info) {
		l.mu.Lock()
		l.wanted = true
		l.bindLocked()
		l.mu.Unlock()
	}
	return r
}

// bindLocked gives the inner interceptor the writer once both are there.
func (l *lazyWriter) bindLocked() {
	if l.bound || !l.wanted || l.writer == nil {
		return
	}
	l.bound = true
	l.Interceptor.BindRTCPWriter(l.writer)
}
