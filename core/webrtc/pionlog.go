package webrtc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/pion/logging"
)

// pionLogs routes pion's leveled loggers to slog. pion's Info is chatty
// (every candidate, every state), so it becomes slog Debug; Warn and Error
// keep their level.
type pionLogs struct{ log *slog.Logger }

// NewLogger implements logging.LoggerFactory.
func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

// pionLogger is one pion scope's logger.
type pionLogger struct{ log *slog.Logger }

func (l pionLogger) out(level slog.Level, msg string) {
	l.log.Log(context.Background(), level, msg)
}

// outf formats only when the level is enabled: pion debug-logs per packet
// in places (its stats interceptor logged every RTCP packet), and Sprintf
// per packet costs.
func (l pionLogger) outf(level slog.Level, format string, args []any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

func (l pionLogger) Trace(msg string) { l.out(slog.LevelDebug-4, msg) }
func (l pionLogger) Tracef(format string, args ...any) {
	l.outf(slog.LevelDebug-4, format, args)
}
func (l pionLogger) Debug(msg string) { l.out(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(format string, args ...any) {
	l.outf(slog.LevelDebug, format, args)
}
func (l pionLogger) Info(msg string) { l.out(slog.LevelDebug, msg) }
func (l pionLogger) Infof(format string, args ...any) {
	l.outf(slog.LevelDebug, format, args)
}
func (l pionLogger) Warn(msg string) { l.out(slog.LevelWarn, msg) }
func (l pionLogger) Warnf(format string, args ...any) {
	level := slog.LevelWarn
	if strings.HasPrefix(format, mdnsIgnored) {
		level = slog.LevelDebug // by design: mDNS is off (engine.go)
	}
	l.outf(level, format, args)
}

// mdnsIgnored starts pion's warning for a remote ".local" candidate while
// mDNS is disabled: browsers send one per host address, expected here.
const mdnsIgnored = "Remote mDNS candidate added, but mDNS is disabled"

func (l pionLogger) Error(msg string) { l.out(slog.LevelError, msg) }
func (l pionLogger) Errorf(format string, args ...any) {
	level := slog.LevelError
	if strings.HasPrefix(format, unhandledSSRC) {
		level = slog.LevelDebug // expected: pionfix.FenceIdle; and a client's stray SSRCs must not flood the log
	}
	l.outf(level, format, args)
}

// unhandledSSRC starts pion's error for a packet whose SSRC it binds to
// no track: the late packets of an m-line the client made inactive
// (pionfix.FenceIdle), or any SSRC a client sends unannounced.
const unhandledSSRC = "Incoming unhandled RTP ssrc"

var (
	_ logging.LoggerFactory = pionLogs{}
	_ logging.LeveledLogger = pionLogger{}
)
