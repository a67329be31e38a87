package evhkit

import (
	"strconv"

	"github.com/argusrtc/argus/telemetry"
)

// Options declares a broker handler's -sink-opt keys once: each key with
// its -help line (SinkSpec.Options) and the Config field its factory reads
// it into (see Register). The defaults -help shows are the values the
// fields hold when a key is declared; the keys are read, and listed, in
// the order they are declared.
type Options struct {
	urlKey string
	docs   []telemetry.SinkOption
	reads  []func(*Settings)
}

// NewOptions starts the keys of a handler: urlKey, the broker URL, read
// into *url (Register makes it the setting of the handler's flag, which
// documents it), then the common settings read into c (grouping only when
// canGroup), documented with c's format as the default.
func NewOptions(urlKey string, url *string, c *Common, canGroup bool) *Options {
	return &Options{
		urlKey: urlKey,
		docs:   commonOptions(c.Format, canGroup),
		reads: []func(*Settings){
			func(s *Settings) { s.String(urlKey, url) },
			func(s *Settings) { s.Common(c, canGroup) },
		},
	}
}

func (o *Options) add(key, def, usage string, read func(*Settings)) {
	o.docs = append(o.docs, telemetry.SinkOption{Key: key, Default: def, Usage: usage})
	o.reads = append(o.reads, read)
}

// String declares key, read into *dst.
func (o *Options) String(key string, dst *string, usage string) {
	o.add(key, *dst, usage, func(s *Settings) { s.String(key, dst) })
}

// Bool declares key, read into *dst (Settings.Bool).
func (o *Options) Bool(key string, dst *bool, usage string) {
	o.add(key, strconv.FormatBool(*dst), usage, func(s *Settings) { s.Bool(key, dst) })
}

// Int declares key, read into *dst; it must lie in [lo, hi].
func (o *Options) Int(key string, dst *int, lo, hi int, usage string) {
	o.add(key, strconv.Itoa(*dst), usage, func(s *Settings) { s.Int(key, dst, lo, hi) })
}

// Ignored declares a key that Janus's module takes and the handler accepts
// without using it.
func (o *Options) Ignored(key, usage string) {
	o.add(key, "", usage, func(s *Settings) { s.get(key) })
}

// TLS declares the four TLS settings named by k, read into *dst (nil when
// none of them is set; see Settings.TLS).
func (o *Options) TLS(dst **TLS, k TLSKeys) {
	o.docs = append(o.docs, k.Options()...)
	o.reads = append(o.reads, func(s *Settings) { *dst = s.TLS(k) })
}

// Docs returns the documented keys, for SinkSpec.Options.
func (o *Options) Docs() []telemetry.SinkOption { return o.docs }

// Register registers a broker handler's sink (telemetry.RegisterSinkSpec)
// with spec, whose Options and Factory it fills and whose flag it makes a
// URL flag setting the URL key: options declares the keys on a Config from
// defaults, for -help; the factory reads a sink's settings through options
// into a fresh defaults() and builds the sink with build.
func Register[C any, S telemetry.Sink](spec telemetry.SinkSpec, defaults func() C, options func(*C) *Options,
	build func(C, telemetry.SinkConfig) (S, error),
) {
	doc := defaults()
	o := options(&doc)
	spec.Options = o.Docs()
	spec.Flag.Kind, spec.Flag.Setting = telemetry.FlagURL, o.urlKey
	spec.Factory = func(sc telemetry.SinkConfig) (telemetry.Sink, error) {
		cfg := defaults()
		if err := options(&cfg).Read(sc.Settings); err != nil {
			return nil, err
		}
		s, err := build(cfg, sc)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	telemetry.RegisterSinkSpec(spec)
}

// Read reads settings into the declared fields; it returns the first
// malformed value, or an unknown key (Settings.Err).
func (o *Options) Read(settings map[string]string) error {
	s := NewSettings(settings)
	for _, read := range o.reads {
		read(s)
	}
	return s.Err()
}
