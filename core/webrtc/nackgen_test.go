package webrtc

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// bindCounter is an inner interceptor that counts its RTCP writer bindings.
type bindCounter struct {
	interceptor.NoOp
	binds int
	got   interceptor.RTCPWriter
}

func (b *bindCounter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	b.binds++
	b.got = w
	return w
}

type bindCounterFactory struct{ last *bindCounter }

func (f *bindCounterFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	f.last = &bindCounter{}
	return f.last, nil
}

func TestLazyWriterBindsOnlyForAStreamThatNeedsIt(t *testing.T) {
	nackFB := []interceptor.RTCPFeedback{{Type: "nack"}}
	pliOnly := []interceptor.RTCPFeedback{{Type: "nack", Parameter: "pli"}}
	for _, tc := range []struct {
		name        string
		writerFirst bool
		streams     [][]interceptor.RTCPFeedback
		wantBinds   int
	}{
		{"no stream (a subscriber)", true, nil, 0},
		{"stream without nack", true, [][]interceptor.RTCPFeedback{pliOnly}, 0},
		{"nack stream", true, [][]interceptor.RTCPFeedback{nackFB}, 1},
		{"two nack streams", true, [][]interceptor.RTCPFeedback{nackFB, pliOnly, nackFB}, 1},
		{"nack stream after one without", true, [][]interceptor.RTCPFeedback{pliOnly, nackFB}, 1},
		{"stream before the writer", false, [][]interceptor.RTCPFeedback{nackFB}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner := &bindCounterFactory{}
			in, err := lazyWriterFactory{inner: inner, needs: streamNegotiatedNACK}.NewInterceptor("")
			if err != nil {
				t.Fatal(err)
			}
			w := interceptor.RTCPWriterFunc(func([]rtcp.Packet, interceptor.Attributes) (int, error) { return 0, nil })
			bindWriter := func() {
				if got := in.BindRTCPWriter(w); got == nil {
					t.Fatal("BindRTCPWriter returned nil")
				}
			}
			if tc.writerFirst {
				bindWriter()
			}
			for i, fb := range tc.streams {
				r := interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) { return len(b), a, nil })
				if in.BindRemoteStream(&interceptor.StreamInfo{SSRC: uint32(i + 1), RTCPFeedback: fb}, r) == nil {
					t.Fatal("BindRemoteStream returned nil")
				}
			}
			if !tc.writerFirst {
				if inner.last.binds != 0 {
					t.Fatalf("inner bound %d times before the writer existed", inner.last.binds)
				}
				bindWriter()
			}
			if inner.last.binds != tc.wantBinds {
				t.Fatalf("inner BindRTCPWriter called %d times, want %d", inner.last.binds, tc.wantBinds)
			}
			if tc.wantBinds > 0 && inner.last.got == nil {
				t.Fatal("inner got a nil writer")
			}
		})
	}
}
