package prom

import "errors"

// ErrNilRegisterer is returned by New when no Registerer is given.
var ErrNilRegisterer = errors.New("prom: nil prometheus.Registerer")
