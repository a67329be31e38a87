package evhkit

import (
	"github.com/argusrtc/argus/telemetry"
)

// Options declares a broker handler's -sink-opt keys once
// (telemetry.SinkOptions: each key with its -help line and the Config
// field its factory reads it into; see Register), starting with the
// broker URL and the settings every handler shares (Common).
type Options struct {
	*telemetry.SinkOptions
	urlKey string
}

// NewOptions starts the keys of a handler: urlKey, the broker URL, read
// into *url (Register makes it the setting of the handler's flag, which
// documents it), then the common settings read into c (grouping only when
// canGroup), documented with c's values as the defaults. Errors wrap
// ErrBadSetting.
func NewOptions(urlKey string, url *string, c *Common, canGroup bool) *Options {
	o := &Options{SinkOptions: telemetry.NewSinkOptions(ErrBadSetting), urlKey: urlKey}
	o.FlagSetting(urlKey, url)
	o.common(c, canGroup)
	return o
}

// TLS declares the four TLS settings named by k, read into *dst: nil
// unless one of them is set (a file or name not empty, or the verify
// switch), so the URL scheme alone decides (amqps://, mqtts://, wss://,
// tls://).
func (o *Options) TLS(dst **TLS, k TLSKeys) {
	set := func() *TLS {
		if *dst == nil {
			*dst = &TLS{}
		}
		return *dst
	}
	file := func(key, usage string, field func(*TLS) *string) {
		o.Func(key, "", usage, func(v string) error {
			if v != "" {
				*field(set()) = v
			}
			return nil
		})
	}
	file(k.CA, k.CAUsage, func(t *TLS) *string { return &t.CAFile })
	file(k.Cert, "PEM client certificate", func(t *TLS) *string { return &t.CertFile })
	file(k.Key, "PEM client key", func(t *TLS) *string { return &t.KeyFile })
	o.Func(k.Verify, "true", "verify the server certificate", func(v string) error {
		verify, err := telemetry.ParseBool(v)
		if err == nil {
			set().SkipVerify = !verify
		}
		return err
	})
}

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
	keys := func(c *C) *telemetry.SinkOptions { return options(c).SinkOptions }
	spec.Factory = func(sc telemetry.SinkConfig) (telemetry.Sink, error) {
		return telemetry.BuildSink(defaults(), sc.Settings, keys, func(c C) (S, error) { return build(c, sc) })
	}
	telemetry.RegisterSinkSpec(spec)
}
