package history

import "errors"

// ErrUnknownSetting is returned by the registry factory for a setting it
// does not know or cannot parse.
var ErrUnknownSetting = errors.New("history: invalid setting")
