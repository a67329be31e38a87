package homer

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
)

func TestTLS(t *testing.T) {
	cert := evhtest.SelfSigned(t)
	srvCfg, cliCfg := cert.ServerTLS(t), cert.ClientTLS(t)
	r := newStreamReceiver(t, "127.0.0.1:0", srvCfg)
	s := newTestSink(t, "tls://"+r.addr, func(c *SinkConfig) { c.TLSConfig = cliCfg })
	events := echoTestScript(telemetry.Now())
	export(t, s, events)
	pkts := r.collect(len(events) + qosPackets)
	if pkts[0].ProtoType != 100 || !pkts[0].Storable() {
		t.Fatalf("first packet %+v", pkts[0])
	}
}
