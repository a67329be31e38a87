package telemetry_test

import (
	"context"
	"fmt"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

func ExampleBus() {
	bus := telemetry.NewBus()
	sink := telemetrytest.NewSink()
	if err := bus.Attach("memory", sink, telemetry.ParseMask("sessions,handles"),
		telemetry.WithBatchTimeout(100*time.Millisecond)); err != nil {
		fmt.Println(err)
		return
	}
	bus.Emit(&telemetry.Event{Emitter: "MyJanusInstance", Type: telemetry.TypeSession, Timestamp: telemetry.Now(),
		SessionID: 1, Body: map[string]any{"name": "created"}})
	bus.Emit(&telemetry.Event{Type: telemetry.TypeMedia, SessionID: 1}) // not in the mask

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = bus.Shutdown(ctx) // drains the queue into the sink
	st := bus.Stats()[0]
	fmt.Println(len(sink.Events()), st.Name, st.Exported, st.Dropped)
	// Output: 1 memory 1 0
}
