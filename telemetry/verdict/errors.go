package verdict

import "errors"

// Errors returned by New and FromSettings.
var (
	ErrNoEmitter      = errors.New("verdict: no emitter to send verdicts to")
	ErrUnknownSetting = errors.New("verdict: unknown or invalid setting")
)
