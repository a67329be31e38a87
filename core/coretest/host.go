package coretest

import (
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/argusrtc/argus/core"
)

// HostEvent is one Host.EmitEvent call.
type HostEvent struct {
	Handle core.HandleID // 0 for an event of no handle
	// Raw is the data as the plugin passed it.
	Raw any
	// Data is Raw as a JSON client decodes it (numbers as float64); nil
	// when Raw is not a JSON object.
	Data map[string]any
}

// Host is a core.Host for plugin tests: it records the type 64 events a
// plugin emits. The zero value is ready to use and logs nowhere.
type Host struct {
	// Log is returned by Logger; nil means a logger that discards.
	Log *slog.Logger

	mu     sync.Mutex
	events []HostEvent
}

// EmitEvent records the event.
func (h *Host) EmitEvent(hd core.Handle, data any) {
	var id core.HandleID
	if hd != nil {
		id = hd.ID()
	}
	m, _ := ClientJSON(data)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, HostEvent{Handle: id, Raw: data, Data: m})
}

// Logger returns Log, or a logger that discards.
func (h *Host) Logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Events returns the events recorded so far.
func (h *Host) Events() []HostEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HostEvent(nil), h.events...)
}

// Count is the number of events recorded so far.
func (h *Host) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

// Find returns the recorded events whose Data has key set to value (e.g.
// "event": "joined").
func (h *Host) Find(key string, value any) []HostEvent {
	var out []HostEvent
	for _, e := range h.Events() {
		if e.Data != nil && e.Data[key] == value {
			out = append(out, e)
		}
	}
	return out
}

// ClientJSON renders data as a JSON client sees it: encoded, then decoded
// into a map with numbers as float64. ok is false when data is not a JSON
// object.
func ClientJSON(data any) (m map[string]any, ok bool) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, false
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, false
	}
	return m, true
}

var _ core.Host = (*Host)(nil)
