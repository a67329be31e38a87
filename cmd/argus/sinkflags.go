package main

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// The event sinks describe their own flags and -sink-opt keys when they
// register (telemetry.SinkSpec); this file turns those descriptions into
// flags, ARGUS_* variables, -help text and validation, so cmd/argus names
// no sink.

// sinkSpecs returns the described sinks; a description without a factory
// is a programming error caught at start-up, like a duplicate registration.
func sinkSpecs() []telemetry.SinkSpec {
	specs, err := telemetry.SinkSpecs()
	if err != nil {
		panic(err)
	}
	return specs
}

// defaultSinkFlags is the value of every sink flag before the environment
// and the command line: "" for URL flags, the described default for
// boolean ones.
func defaultSinkFlags() map[string]string {
	m := map[string]string{}
	for _, s := range sinkSpecs() {
		switch {
		case s.Flag.Name == "":
		case s.Flag.Kind == telemetry.FlagBool:
			m[s.Name] = strconv.FormatBool(s.Flag.On)
		default:
			m[s.Name] = ""
		}
	}
	return m
}

// sinkFlagValue is the flag of one sink; it stores the raw value in the
// config's Sinks map.
type sinkFlagValue struct {
	m    map[string]string
	name string
	bool bool
}

func (v *sinkFlagValue) String() string {
	if v == nil || v.m == nil || (v.bool && v.m[v.name] == "false") {
		return "" // flag.PrintDefaults shows no default for a zero value
	}
	return v.m[v.name]
}

func (v *sinkFlagValue) Set(s string) error {
	if v.bool {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false: %w", err)
		}
		s = strconv.FormatBool(b)
	}
	v.m[v.name] = s
	return nil
}

// IsBoolFlag lets "-otel" stand for "-otel=true".
func (v *sinkFlagValue) IsBoolFlag() bool { return v.bool }

// addSinkFlags adds each described sink's enabling flag to fs; its usage
// lists the sink's -sink-opt keys with their defaults.
func addSinkFlags(fs *flag.FlagSet, c *config) {
	if c.Sinks == nil {
		c.Sinks = defaultSinkFlags()
	}
	for _, s := range sinkSpecs() {
		if s.Flag.Name == "" {
			continue
		}
		v := &sinkFlagValue{m: c.Sinks, name: s.Name, bool: s.Flag.Kind == telemetry.FlagBool}
		fs.Var(v, s.Flag.Name, sinkUsage(s))
	}
}

// sinkUsage is a sink flag's -help text: its usage, the sink name and its
// options.
func sinkUsage(s telemetry.SinkSpec) string {
	var b strings.Builder
	b.WriteString(s.Flag.Usage)
	fmt.Fprintf(&b, " (sink %q", s.Name)
	if s.Handler.Package != "" {
		fmt.Fprintf(&b, ", %s", s.Handler.Package)
	}
	b.WriteString(")")
	for _, o := range s.Options {
		fmt.Fprintf(&b, "\n    -sink-opt %s.%s=", s.Name, o.Key)
		if o.Default != "" {
			fmt.Fprintf(&b, "%s", o.Default)
		}
		fmt.Fprintf(&b, "  %s", o.Usage)
	}
	return b.String()
}

// sinkEnabled reports whether the flag of sink name turns it on.
func (c *config) sinkEnabled(s telemetry.SinkSpec) bool {
	v := c.Sinks[s.Name]
	if s.Flag.Kind == telemetry.FlagBool {
		on, _ := strconv.ParseBool(v)
		return on
	}
	return v != ""
}

// validateSinkOpts refuses -sink-opt entries that are malformed, name an
// unknown sink or key, or configure a sink whose flag is off.
func (c *config) validateSinkOpts() error {
	settings, err := parseSinkOpts(c.SinkOpts)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		s, ok := telemetry.SinkSpecOf(name)
		if !ok || s.Flag.Name == "" {
			return fmt.Errorf("%w: -sink-opt for %q, which is not a sink", errSinkSetting, name)
		}
		if !c.sinkEnabled(s) {
			return fmt.Errorf("%w: -sink-opt for %q, which is not enabled; enable it with -%s", errSinkSetting, name, s.Flag.Name)
		}
		for key := range settings[name] {
			if key == "enabled" || slices.ContainsFunc(s.Options, func(o telemetry.SinkOption) bool { return o.Key == key }) {
				continue
			}
			return fmt.Errorf("%w: -sink-opt %s.%s: %q takes no option %q (see -help)", errSinkSetting, name, key, name, key)
		}
	}
	return nil
}
