package homer

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestExportBatches: an Export whose packets fill several batches (by
// count and by size) delivers every packet once, in order, with the
// payload each event's JSON, and counts them.
func TestExportBatches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		events  int
		pad     int // bytes of padding per event
		batches int
	}{
		{"udp, one batch", "udp", maxBatchPackets - 1, 10, 1},
		// Over UDP three batches (133 datagrams) fit the default receive
		// buffer even where rmem_max keeps SetReadBuffer from raising it.
		{"udp, batches by count", "udp", 2*maxBatchPackets + 5, 10, 3},
		{"tcp, batches by count", "tcp", 3*maxBatchPackets + 5, 10, 4},
		{"tcp, batches by size", "tcp", 28, 30000, 4}, // 9 packets of ~30 KB reach maxBatchBytes
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *receiver
			if tc.network == "udp" {
				r = newUDPReceiver(t)
			} else {
				r = newTCPReceiver(t, "127.0.0.1:0")
			}
			s := newTestSink(t, tc.network+"://"+r.addr, nil)
			events := make([]*telemetry.Event, tc.events)
			for i := range events {
				events[i] = &telemetry.Event{Emitter: "x", Type: telemetry.TypeSession, Timestamp: telemetry.Now(),
					SessionID: uint64(i + 1), Body: map[string]any{"name": "created", "pad": strings.Repeat("p", tc.pad)}}
			}
			export(t, s, events)
			pkts := r.collect(tc.events)
			for i, p := range pkts {
				if want := strconv.Itoa(i + 1); p.CorrelationID != want {
					t.Fatalf("packet %d: correlation id %q, want %q (order)", i, p.CorrelationID, want)
				}
				want, err := json.Marshal(events[i])
				if err != nil {
					t.Fatal(err)
				}
				if string(p.Payload) != string(want) {
					t.Fatalf("packet %d: payload\n%s\nwant\n%s", i, p.Payload, want)
				}
			}
			st := s.Stats()
			if st.Packets != uint64(tc.events) || st.Dropped != 0 || st.Events != uint64(tc.events) {
				t.Fatalf("stats %+v, want %d packets, none dropped", st, tc.events)
			}
			// One write per batch (a TCP write may be split by the kernel:
			// at least one per batch, never one per packet).
			if st.Writes < uint64(tc.batches) || (tc.network == "udp" && st.Writes != uint64(tc.batches)) ||
				st.Writes >= st.Packets {
				t.Fatalf("%d writes for %d packets, want %d batches", st.Writes, st.Packets, tc.batches)
			}
		})
	}
}
