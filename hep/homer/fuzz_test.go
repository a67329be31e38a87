package homer

import (
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/telemetry"
)

// FuzzMapper feeds arbitrary JSON bodies, as any event type, through the
// mapper: it must not panic, and every packet it makes must encode within
// hep.MaxPacketLen with a correlation id.
func FuzzMapper(f *testing.F) {
	for _, e := range echoTestScript(1_700_000_000_000_000) {
		b, _ := json.Marshal(e.Body)
		f.Add(uint16(e.Type), uint8(e.Subtype), b)
	}
	f.Add(uint16(telemetry.TypeTransport), uint8(0), []byte(`{"transport":"t","id":"1","data":{"ip":"::1","port":1}}`))
	f.Add(uint16(telemetry.TypeMedia), uint8(3), []byte(`[{"media":"video","lost":-5,"packets-received":1e30,"base":-1}]`))
	f.Add(uint16(telemetry.TypePlugin), uint8(0), []byte(`{"plugin":"p","data":{"room":"x"}}`))
	m := newMapper(&SinkConfig{URL: "udp://127.0.0.1:1", NodeName: "n", CaptureID: 1, MaxHandles: 8,
		Correlation: CorrelationSession})
	var buf []byte
	f.Fuzz(func(t *testing.T, typ uint16, sub uint8, body []byte) {
		var b any
		if json.Unmarshal(body, &b) != nil {
			return
		}
		e := &telemetry.Event{Emitter: "e", Type: telemetry.Type(typ), Subtype: int(sub), Timestamp: 1,
			SessionID: uint64(typ % 3), HandleID: uint64(sub % 4), Body: b}
		ps, _ := m.packets(e, nil)
		for i := range ps {
			var err error
			buf, err = hep.AppendPacket(buf[:0], &ps[i])
			if err != nil || len(buf) > hep.MaxPacketLen || ps[i].CorrelationID == "" {
				t.Fatalf("packet %d of type %d/%d: %v (%d bytes, cid %q)", i, typ, sub, err, len(buf), ps[i].CorrelationID)
			}
		}
	})
}
