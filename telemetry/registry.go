package telemetry

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
)

// SinkConfig is what cmd/argus hands a registered sink factory.
type SinkConfig struct {
	// ServerName is the emitter name (Janus server_name).
	ServerName string
	// Logger is already tagged with the sink's name.
	Logger *slog.Logger
	// Settings are the sink's own raw settings (config-file keys, ARGUS_*
	// environment or flag values), by key; the factory validates them and
	// rejects unknown keys.
	Settings map[string]string
	// Emitter is the bus, for sinks that derive events from the events
	// they read (the verdict sink); it must not be called from Shutdown.
	Emitter Emitter
	// BusStats reads the bus's per-sink queue counts, at call time only
	// (a metrics exporter is built before the bus); nil: no bus.
	BusStats func() []SinkStats
	// Live reads the gateway's live sessions, handles and PeerConnections,
	// at call time only (zeros before the gateway exists); nil: none.
	Live func() (sessions, handles, peerconnections int)
}

// SinkFactory builds a sink from its config. It must have no side effects
// beyond the sink it returns: no global registration, no listeners.
type SinkFactory func(cfg SinkConfig) (Sink, error)

// sinkRegistry is the one global of this package: written in init()
// functions only, read-only afterwards.
var sinkRegistry = struct { //nolint:gochecknoglobals // the sink registry, written in init
	sync.RWMutex
	m     map[string]SinkFactory
	specs map[string]SinkSpec // DescribeSink / RegisterSinkSpec (spec.go)
}{m: map[string]SinkFactory{}, specs: map[string]SinkSpec{}}

// RegisterSink registers a sink factory under name (e.g. "http",
// "history", "hep"); call it from init(). An empty name, a nil factory or
// a duplicate name panics, at program start.
func RegisterSink(name string, factory SinkFactory) {
	if name == "" || factory == nil {
		panic("telemetry: RegisterSink with empty name or nil factory")
	}
	sinkRegistry.Lock()
	defer sinkRegistry.Unlock()
	if _, dup := sinkRegistry.m[name]; dup {
		panic("telemetry: RegisterSink called twice for " + name)
	}
	sinkRegistry.m[name] = factory
}

// RegisteredSinks returns the registered sink names, sorted.
func RegisteredSinks() []string {
	sinkRegistry.RLock()
	defer sinkRegistry.RUnlock()
	return slices.Sorted(maps.Keys(sinkRegistry.m))
}

// NewSink builds the sink registered under name.
func NewSink(name string, cfg SinkConfig) (Sink, error) {
	sinkRegistry.RLock()
	f, ok := sinkRegistry.m[name]
	sinkRegistry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("sink %q: %w", name, ErrUnknownSink)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("sink %q: %w", name, err)
	}
	return s, nil
}
