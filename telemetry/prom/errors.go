package prom

import "errors"

// ErrNilRegisterer is returned by New when no Registerer is given.
var ErrNilRegisterer = errors.New("prom: nil prometheus.Registerer")

// ErrUnknownSetting is a -sink-opt key the metrics exporter does not take.
var ErrUnknownSetting = errors.New("prom: unknown setting")
