package telemetry

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SinkOptions declares a sink's -sink-opt keys once: each key with its
// -help line (Docs, for SinkSpec.Options) and how Read parses it into the
// sink's config. The default a key documents is the value its field holds
// when the key is declared, so a sink declares its keys on its default
// config for -help and on a fresh copy of it to read a sink's settings.
// Keys are read, and listed, in the order they are declared; a key
// declared twice is a programming error and panics (sinks declare their
// keys at registration, in init).
//
// Read may leave a field written before it returns an error (a parser
// that stores part of a value): a sink discards its config when Read
// fails.
//
// Every sink reads its settings the same way: a bool is true/yes/on/1/t or
// false/no/off/0/f (any case, spaces around ignored: Janus's words and Go's
// strconv.ParseBool), a number may have spaces around it, "enabled" is
// always accepted (Janus's key; cmd/argus reads it), and a malformed value
// or an unknown key is an error wrapping the sink's sentinel:
// `key="value": <sentinel>: <why>` or `unknown setting "key": <sentinel>`.
type SinkOptions struct {
	bad  error
	docs []SinkOption
	keys []sinkKey
}

type sinkKey struct {
	key   string
	parse func(v string) error
}

// NewSinkOptions starts a sink's keys; bad is the sentinel its errors wrap
// (e.g. the sink's ErrBadSetting).
func NewSinkOptions(bad error) *SinkOptions {
	return &SinkOptions{bad: bad}
}

// Func declares key, documented with def and usage: parse gets its value
// when the setting is present, and its error is reported as the value's.
func (o *SinkOptions) Func(key, def, usage string, parse func(v string) error) {
	o.docs = append(o.docs, SinkOption{Key: key, Default: def, Usage: usage})
	o.add(key, parse)
}

// add appends key's parser; a key declared twice panics.
func (o *SinkOptions) add(key string, parse func(v string) error) {
	for _, k := range o.keys {
		if k.key == key {
			panic("telemetry: sink option " + strconv.Quote(key) + " declared twice")
		}
	}
	o.keys = append(o.keys, sinkKey{key: key, parse: parse})
}

// FlagSetting declares the key a FlagURL flag sets (SinkFlag.Setting, e.g.
// "backend"), read into *dst; it is not listed: the flag documents it.
func (o *SinkOptions) FlagSetting(key string, dst *string) {
	o.add(key, func(v string) error { *dst = v; return nil })
}

// String declares key, read into *dst.
func (o *SinkOptions) String(key string, dst *string, usage string) {
	o.Func(key, *dst, usage, func(v string) error { *dst = v; return nil })
}

// Bool declares key, read into *dst (ParseBool).
func (o *SinkOptions) Bool(key string, dst *bool, usage string) {
	o.Func(key, strconv.FormatBool(*dst), usage, func(v string) error {
		b, err := ParseBool(v)
		if err == nil {
			*dst = b
		}
		return err
	})
}

// Int declares key, read into *dst; it must lie in [lo, hi].
func (o *SinkOptions) Int(key string, dst *int, lo, hi int, usage string) {
	o.Func(key, strconv.Itoa(*dst), usage, func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return err
		}
		if n < lo || n > hi {
			return outOfRange(int64(lo), int64(hi), math.MinInt, math.MaxInt)
		}
		*dst = n
		return nil
	})
}

// Float declares key, read into *dst: a finite number, at least lo.
func (o *SinkOptions) Float(key string, dst *float64, lo float64, usage string) {
	o.Func(key, strconv.FormatFloat(*dst, 'g', -1, 64), usage, func(v string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch {
		case err != nil:
			return err
		case math.IsNaN(f) || math.IsInf(f, 0) || f < lo:
			return fmt.Errorf("want a number >= %g", lo)
		}
		*dst = f
		return nil
	})
}

// Millis declares key, a whole number of milliseconds read into *dst; it
// must lie in [lo, hi] (and fit a time.Duration). It is documented in ms.
func (o *SinkOptions) Millis(key string, dst *time.Duration, lo, hi time.Duration, usage string) {
	o.Func(key, strconv.FormatInt(dst.Milliseconds(), 10), usage, func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return err
		}
		if n < lo.Milliseconds() || n > hi.Milliseconds() {
			return outOfRange(lo.Milliseconds(), hi.Milliseconds(), math.MinInt64/int64(time.Millisecond), math.MaxInt64/int64(time.Millisecond))
		}
		*dst = time.Duration(n) * time.Millisecond
		return nil
	})
}

// outOfRange says which bounds a number missed, naming only the bounds
// that are not the type's own limits (min, max).
func outOfRange(lo, hi, minimum, maximum int64) error {
	switch {
	case lo == minimum && hi == maximum:
		return errors.New("out of range")
	case hi == maximum:
		return fmt.Errorf("want >= %d", lo)
	case lo == minimum:
		return fmt.Errorf("want <= %d", hi)
	}
	return fmt.Errorf("not in %d-%d", lo, hi)
}

// Events declares "events", the sink's Janus event mask (default all):
// cmd/argus reads it as the sink's bus mask; a sink that also filters
// itself (or answers Admin tweaks) passes its field as dst, the others nil.
func (o *SinkOptions) Events(dst *Mask) {
	def := MaskAll
	if dst != nil {
		def = *dst
	}
	o.Func("events", def.String(), "Janus event mask", func(v string) error {
		if dst != nil {
			*dst = ParseMask(v)
		}
		return nil
	})
}

// Ignored declares a key that Janus's module takes and the sink accepts
// without using it.
func (o *SinkOptions) Ignored(key, usage string) {
	o.Func(key, "", usage, func(string) error { return nil })
}

// Docs returns the documented keys, for SinkSpec.Options.
func (o *SinkOptions) Docs() []SinkOption { return slices.Clone(o.docs) }

// Read parses settings into the declared fields, key by key in the order
// they were declared; it returns the first malformed value, else the first
// unknown key (by name).
func (o *SinkOptions) Read(settings map[string]string) error {
	known := map[string]bool{"enabled": true}
	for _, k := range o.keys {
		known[k.key] = true
		v, ok := settings[k.key]
		if !ok {
			continue
		}
		if err := k.parse(v); err != nil {
			return fmt.Errorf("%s=%q: %w: %w", k.key, v, o.bad, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if !known[k] {
			return fmt.Errorf("unknown setting %q: %w", k, o.bad)
		}
	}
	return nil
}

// BuildSink is the factory of a sink whose keys options declares: it reads
// settings into cfg (the sink's defaults, plus what the factory fills in
// from its SinkConfig) through options and builds the sink from the
// result. A malformed setting or a failed build returns a nil Sink, never
// a typed nil, with the error.
func BuildSink[C any, S Sink](cfg C, settings map[string]string, options func(*C) *SinkOptions,
	build func(C) (S, error),
) (Sink, error) {
	if err := options(&cfg).Read(settings); err != nil {
		return nil, err
	}
	s, err := build(cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ParseBool reads a boolean setting: true, yes, on, 1 or t, and false, no,
// off, 0 or f, in any case and with spaces around (Janus's words and what
// strconv.ParseBool takes).
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1", "t":
		return true, nil
	case "false", "no", "off", "0", "f":
		return false, nil
	}
	return false, fmt.Errorf("want true or false: %w", strconv.ErrSyntax)
}
