package homer

import "errors"

// Sentinel errors; match with errors.Is.
var (
	// ErrBadURL: SinkConfig.URL is not udp://, tcp:// or tls://host:port.
	ErrBadURL = errors.New("homer: URL must be udp://, tcp:// or tls://host:port")
	// ErrBadCorrelation: SinkConfig.Correlation is not "", "session" or "opaque".
	ErrBadCorrelation = errors.New(`homer: correlation must be "session" or "opaque"`)
	// ErrDropped: Export could not send some packets; they were dropped and counted.
	ErrDropped = errors.New("homer: packets dropped")
)

// ErrBadSetting: FromSettings got an unknown key or an unparsable value.
var ErrBadSetting = errors.New("homer: bad setting")
