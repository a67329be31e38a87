package webrtc

import (
	"runtime"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/rtp"

	"github.com/argusrtc/argus/internal/testkit"
)

// BenchmarkNACKHistoryMemory reports the heap held per outgoing video
// stream by the NACK send history after 2 s of a 300 packets/s, 1000-byte
// stream (the argus-load default, about 2.4 Mbit/s): Argus's time-bounded
// history against pion's responder (1024 MTU-sized copies). Time is a fake
// clock, so the result does not depend on how busy the machine is.
func BenchmarkNACKHistoryMemory(b *testing.B) {
	const streams, pps, seconds = 10, 300, 4
	impls := []struct {
		name string
		new  func(clock *fakeClock) (interceptor.Interceptor, error)
	}{
		{"argus", func(c *fakeClock) (interceptor.Interceptor, error) {
			return (&nackResponderFactory{now: c.now}).NewInterceptor("")
		}},
		{"pion", func(*fakeClock) (interceptor.Interceptor, error) {
			f, err := nack.NewResponderInterceptor()
			if err != nil {
				return nil, err
			}
			return f.NewInterceptor("")
		}},
	}
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			payload := make([]byte, 1000)
			nop := interceptor.RTPWriterFunc(func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) { return len(p), nil })
			var perStream float64
			for b.Loop() {
				b.StopTimer()
				base := testkit.HeapInUse()
				b.StartTimer()
				clock := &fakeClock{t: time.Unix(1000, 0)}
				i, err := impl.new(clock)
				if err != nil {
					b.Fatal(err)
				}
				writers := make([]interceptor.RTPWriter, streams)
				for s := range writers {
					info := nackVideo
					info.SSRC = uint32(1000 + s)
					writers[s] = i.BindLocalStream(&info, nop)
				}
				h := &rtp.Header{Version: 2, PayloadType: 96}
				for n := range pps * seconds {
					for s, w := range writers {
						h.SSRC, h.SequenceNumber = uint32(1000+s), uint16(n)
						if _, err := w.Write(h, payload, nil); err != nil {
							b.Fatal(err)
						}
					}
					clock.add(time.Second / pps)
				}
				b.StopTimer()
				perStream = float64(testkit.HeapInUse()-base) / streams
				runtime.KeepAlive(i)
				_ = i.Close()
				b.StartTimer()
			}
			b.ReportMetric(perStream/1024, "heap-KiB/stream")
		})
	}
}
