package core

import (
	"log/slog"
	"sync"
	"time"
)

// adminSettings are the values Admin get_status reports and set_* changes.
// Only log_level and session_timeout act on the gateway; the others are
// recorded and reported (Argus has no equivalent knob at runtime).
type adminSettings struct {
	mu sync.Mutex
	st adminState
}

type adminState struct {
	logLevel          int
	logTimestamps     bool
	logColors         bool
	lockingDebug      bool
	refcountDebug     bool
	libniceDebug      bool
	minNackQueue      int64
	nackOptimizations bool
	noMediaTimer      int64
	slowlinkThreshold int64
}

func newAdminSettings(cfg Config) adminSettings {
	noMedia := int64(cfg.NoMediaTimer / time.Second)
	if noMedia <= 0 {
		noMedia = 1 // Janus's default (s)
	}
	return adminSettings{st: adminState{
		logLevel:          janusLevel(cfg.LogLevel.Level()),
		minNackQueue:      200, // Janus's default (ms)
		noMediaTimer:      noMedia,
		slowlinkThreshold: int64(cfg.SlowlinkThreshold),
	}}
}

func (a *adminSettings) snapshot() adminState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st
}

func (a *adminSettings) update(f func(*adminState)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(&a.st)
}

// janusLevel maps a slog level to Janus's 0..7 scale.
func janusLevel(l slog.Level) int {
	switch {
	case l <= slog.LevelDebug:
		return 7
	case l <= slog.LevelInfo:
		return 4
	case l <= slog.LevelWarn:
		return 3
	default:
		return 2
	}
}

// slogLevel maps Janus's 0 (none) .. 7 (debug) to a slog level.
func slogLevel(n int) slog.Level {
	switch {
	case n <= 0:
		return slog.LevelError + 4 // nothing but the most severe
	case n <= 2:
		return slog.LevelError
	case n == 3:
		return slog.LevelWarn
	case n == 4:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}
