package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that a started and shut down server leaves no goroutine:
// listeners, transports, gateway, engine, bus and sinks all stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
