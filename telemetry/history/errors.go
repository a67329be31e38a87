package history

import "errors"

// ErrUnknownSetting is returned by the registry factory for a setting it
// does not know or cannot parse.
var ErrUnknownSetting = errors.New("history: invalid setting")

// Why FromSettings refuses a console link setting (wrapped in
// ErrUnknownSetting).
var (
	errWantWebURL      = errors.New("want an http or https URL")
	errWantCorrelation = errors.New("want session or opaque")
)
