package dashboards

import (
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// The client's network is impaired on purpose, as a real one is, so that
// the loss, NACK and RTT series carry real measurements: on loopback the
// RTT rounds to 0 ms (Janus reports whole milliseconds) and nothing is lost.
const (
	// lossEvery: one outgoing RTP packet in lossEvery is never sent (its
	// sequence number is skipped), 4% loss the gateway detects.
	lossEvery = 25
	// rtcpDelay delays every RTCP packet the client sends, a one-way
	// latency on the uplink that the gateway's RTT (from receiver report
	// LSR/DLSR) measures.
	rtcpDelay = 40 * time.Millisecond
)

// rtcpDelayer is an interceptor that holds each outgoing RTCP write for rtcpDelay.
type rtcpDelayer struct{ interceptor.NoOp }

// BindRTCPWriter wraps the RTCP writer with the delay.
func (*rtcpDelayer) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, attrs interceptor.Attributes) (int, error) {
		time.Sleep(rtcpDelay)
		return w.Write(pkts, attrs)
	})
}

type rtcpDelayerFactory struct{}

func (rtcpDelayerFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &rtcpDelayer{}, nil
}
