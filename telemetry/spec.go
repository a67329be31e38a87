package telemetry

import (
	"fmt"
	"slices"
	"strings"
)

// FlagKind is the type of a sink's enabling flag.
type FlagKind int

const (
	// FlagURL is a string flag: a non-empty value enables the sink and
	// becomes its Setting (e.g. -event-http URL sets http.backend).
	FlagURL FlagKind = iota
	// FlagBool is a boolean flag (e.g. -otel, -history=false).
	FlagBool
)

// SinkFlag is the command-line flag that enables a sink; cmd/argus adds it
// (with its ARGUS_* variable) for every described sink.
type SinkFlag struct {
	Name    string   // flag name without the dash, e.g. "event-ws"
	Kind    FlagKind // FlagURL or FlagBool
	Setting string   // FlagURL: the setting key the value becomes, e.g. "backend"
	On      bool     // FlagBool: the default
	Usage   string   // -help text; a `word` in back quotes names the value
}

// SinkOption documents one -sink-opt key of a sink.
type SinkOption struct {
	Key     string
	Default string // as text; "" when there is none
	Usage   string
}

// HandlerInfo names a sink as a Janus event handler module: it is listed
// under Package in server_info's "events" and answers Admin
// query_eventhandler under that name when the sink is a Querier.
type HandlerInfo struct {
	Package       string // e.g. "janus.eventhandler.wsevh"
	Name          string
	Author        string
	Description   string
	VersionString string
	Version       int
}

// SinkSpec is everything cmd/argus needs to offer, build and wire a sink
// without naming it: its flag, its documented options, its queue, its
// Janus module name and an optional HTTP hook.
type SinkSpec struct {
	// Name is the registry name, the -sink-opt prefix and the bus name.
	Name string
	// Factory builds the sink; nil in DescribeSink when the package
	// registers the factory with RegisterSink.
	Factory SinkFactory
	// Flag enables the sink; a spec without Flag.Name is never enabled by
	// cmd/argus.
	Flag SinkFlag
	// Options are the documented -sink-opt keys (listed by -help).
	Options []SinkOption
	// Handler is the Janus module the sink stands for; a zero Package
	// keeps it out of server_info "events".
	Handler HandlerInfo
	// Queue are the sink's bus queue options at Attach.
	Queue []QueueOption
	// Metrics marks the metrics exporter, the one sink that owns the
	// process's metrics registry (telemetry/prom). When its flag is on,
	// cmd/argus builds it before the bus (its SinkConfig.Emitter is nil),
	// hands it to the bus as the Observer of every export, registers the
	// collectors of every other part into it, attaches it and its
	// Companions first, and serves it at /metrics behind the metrics
	// listener options. The sink it builds must be a telemetry.Observer,
	// a prometheus.Registerer and an http.Handler.
	Metrics bool
}

// Companion is one more sink a sink brings along (the metrics exporter's
// VideoRoom sink): cmd/argus attaches it right after the sink that
// returned it, under its own name and mask.
type Companion struct {
	Name string
	Sink Sink
	Mask Mask
}

// RegisterSinkSpec registers a sink factory with its description; call it
// from init(). It panics on an empty name, a nil factory or a duplicate.
func RegisterSinkSpec(spec SinkSpec) {
	if spec.Factory == nil {
		panic("telemetry: RegisterSinkSpec with nil factory for " + spec.Name)
	}
	RegisterSink(spec.Name, spec.Factory)
	DescribeSink(spec)
}

// DescribeSink adds the flag, options, handler and hooks of a sink whose
// factory is (or will be) registered with RegisterSink; call it from
// init(). spec.Factory is ignored. It panics on an empty name, a second
// description or a second metrics exporter (SinkSpec.Metrics).
func DescribeSink(spec SinkSpec) {
	if spec.Name == "" {
		panic("telemetry: DescribeSink with empty name")
	}
	spec.Factory = nil
	sinkRegistry.Lock()
	defer sinkRegistry.Unlock()
	if _, dup := sinkRegistry.specs[spec.Name]; dup {
		panic("telemetry: DescribeSink called twice for " + spec.Name)
	}
	for _, other := range sinkRegistry.specs {
		if spec.Metrics && other.Metrics {
			panic("telemetry: a second metrics exporter " + spec.Name + " besides " + other.Name)
		}
	}
	spec.Options = slices.Clone(spec.Options)
	spec.Queue = slices.Clone(spec.Queue)
	sinkRegistry.specs[spec.Name] = spec
}

// SinkSpecs returns the described sinks sorted by name, each with its
// registered Factory. A description without a factory is an error (a
// package called DescribeSink but not RegisterSink).
func SinkSpecs() ([]SinkSpec, error) {
	sinkRegistry.RLock()
	defer sinkRegistry.RUnlock()
	out := make([]SinkSpec, 0, len(sinkRegistry.specs))
	for name, s := range sinkRegistry.specs {
		f, ok := sinkRegistry.m[name]
		if !ok {
			return nil, fmt.Errorf("sink %q described but not registered: %w", name, ErrUnknownSink)
		}
		s.Factory = f
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b SinkSpec) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SinkSpecOf returns the description of the sink registered as name.
func SinkSpecOf(name string) (SinkSpec, bool) {
	sinkRegistry.RLock()
	defer sinkRegistry.RUnlock()
	s, ok := sinkRegistry.specs[name]
	if ok {
		s.Factory = sinkRegistry.m[name]
	}
	return s, ok
}
