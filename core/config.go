package core

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/telemetry"
)

// Defaults of Config (janus-reference.md 1.8).
const (
	DefaultServerName        = "Argus"
	DefaultSessionTimeout    = 60 * time.Second
	DefaultCandidatesTimeout = 45 * time.Second
	DefaultStatusPeriod      = 15 * time.Second // Janus master's core "update" event period
	DefaultWatchdogInterval  = 2 * time.Second  // Janus's session watchdog period
	DefaultMediaStatsPeriod  = 1 * time.Second  // Janus events.stats_period default
)

// JanusAPIVersion and JanusAPIVersionString are the Janus API level Argus
// implements (janus-reference.md: Janus 1.1.2), server_info's "version"
// and "version_string": clients such as nextcloud-spreed-signaling compare
// them with Janus's releases. Argus's own version is "argus_version".
const (
	JanusAPIVersion       = 1102
	JanusAPIVersionString = "1.1.2"
)

// Version of Argus (server_info "argus_version", module versions).
const (
	Version       = 1
	VersionString = "0.1.0"
	ServerName    = "Argus" // server_info "name"
	Author        = "The Argus authors"
)

// ModuleInfo describes a transport or event handler in server_info.
type ModuleInfo struct {
	Name          string
	Author        string
	Description   string
	VersionString string
	Version       int
}

// TransportDesc describes a transport in server_info's "transports" map.
type TransportDesc struct {
	Package       string // "janus.transport.http"
	Name          string
	Author        string
	Description   string
	VersionString string
	Version       int
}

// EventHandler is an event sink that answers Admin query_eventhandler.
type EventHandler interface {
	Query(ctx context.Context, req json.RawMessage) any
}

// EventHandlerDescriber is optionally implemented by an EventHandler to
// describe itself in server_info's "events" map.
type EventHandlerDescriber interface {
	Info() ModuleInfo
}

// Config configures a Gateway. Zero values take the documented defaults.
type Config struct {
	// ServerName is the event emitter name and server_info "server-name"
	// (default "Argus").
	ServerName string
	// APISecret, if set, is required on Janus API requests (either-or with a token).
	APISecret string
	// TokenAuth enables stored-token authentication (tokens managed via the Admin API).
	TokenAuth bool
	// AdminSecret, if set, is required on Admin API requests except info and ping.
	AdminSecret string
	// SessionTimeout: no request for this long destroys a session; 0
	// disables (DefaultConfig sets 60 s, Janus's default).
	SessionTimeout time.Duration
	// ReclaimTimeout is the grace time after a session's transport went away
	// (default 0: destroy at once).
	ReclaimTimeout time.Duration
	// CandidatesTimeout is the maximum age of queued trickle candidates (default 45 s).
	CandidatesTimeout time.Duration
	// WatchdogInterval is how often sessions are checked for timeout (default 2 s).
	WatchdogInterval time.Duration
	// StatusPeriod is the period of the core "update" status event; 0 turns
	// it off (DefaultConfig sets 15 s).
	StatusPeriod time.Duration
	// MediaStatsPeriod is reported as "stats-period" in status events (default 1 s).
	MediaStatsPeriod time.Duration
	// NoMediaTimer and SlowlinkThreshold are what the WebRTC engine was
	// given (Janus no_media_timer and slowlink_threshold); Admin get_status
	// reports them. Zero NoMediaTimer reports Janus's default of 1 s.
	NoMediaTimer      time.Duration
	SlowlinkThreshold int
	// OpaqueIDInAPI adds opaque_id to Janus API messages (Janus opaqueid_in_api, default false).
	OpaqueIDInAPI bool
	// HangupOnFailed is reported as info "hangup-on-failed" (Janus 1.2);
	// the WebRTC engine applies it (webrtc.Config.HangupOnFailed).
	HangupOnFailed bool
	// IPv6 is reported as info "ipv6"; the WebRTC engine applies it
	// (webrtc.Config.IPv6).
	IPv6 bool
	// ICELite is reported as info "ice-lite" (Janus ice_lite); the WebRTC
	// engine applies it (webrtc.Config.ICELite).
	ICELite bool
	// LocalIP and PublicIPs are reported in server_info: PublicIPs are
	// nat_1_1_mapping's public addresses (webrtc.PublicIPs), the first as
	// "public-ip", all as "public-ips" when there are several, as Janus
	// does; Janus's keep_private_host changes neither.
	LocalIP   string
	PublicIPs []string

	// Engine creates PeerConnections; nil means no WebRTC (messages with a
	// jsep fail with 490 "Error setting ICE locally").
	Engine *webrtc.Engine
	// Emitter receives core events (default telemetry.Discard).
	Emitter telemetry.Emitter
	// Logger is the root logger (default slog.Default()).
	Logger *slog.Logger
	// LogLevel, if set, is the level var Admin set_log_level changes; the
	// Logger's handler should be built with it.
	LogLevel *slog.LevelVar
	// TraceID, if set, names the trace of a session (telemetry/otel's
	// deterministic id); every log line of the session then carries it as
	// the "trace_id" attribute, next to session_id and handle_id.
	TraceID func(SessionID) string

	// Plugins, if non-nil, names the registered plugins to load; nil loads all.
	Plugins []string
	// PluginInstances are extra plugin instances (tests, embedding), loaded
	// after the registered ones.
	PluginInstances []Plugin
	// PluginConfigs holds each plugin's config section, by package name.
	PluginConfigs map[string]json.RawMessage
	// EventHandlers are listed in server_info "events" and answer Admin
	// query_eventhandler, by package name.
	EventHandlers map[string]EventHandler
	// Transports are listed in server_info "transports".
	Transports []TransportDesc

	// Limits bound what one client can make the core hold (limits.go).
	Limits Limits
	// Refusals, if set, counts what Limits refused or dropped (LimitNames)
	// and what the plugins count through their Host (PluginLimitNames).
	Refusals RefusalCounter
}

// DefaultConfig returns a Config with Janus's defaults: session timeout
// 60 s, candidates timeout 45 s, status events every 15 s.
func DefaultConfig() Config {
	return Config{
		ServerName:        DefaultServerName,
		SessionTimeout:    DefaultSessionTimeout,
		CandidatesTimeout: DefaultCandidatesTimeout,
		StatusPeriod:      DefaultStatusPeriod,
	}
}

// withDefaults returns cfg with defaults applied.
func (cfg Config) withDefaults() Config {
	if cfg.ServerName == "" {
		cfg.ServerName = DefaultServerName
	}
	if cfg.SessionTimeout < 0 {
		cfg.SessionTimeout = 0
	}
	if cfg.ReclaimTimeout < 0 {
		cfg.ReclaimTimeout = 0
	}
	if cfg.CandidatesTimeout <= 0 {
		cfg.CandidatesTimeout = DefaultCandidatesTimeout
	}
	if cfg.WatchdogInterval <= 0 {
		cfg.WatchdogInterval = DefaultWatchdogInterval
	}
	if cfg.StatusPeriod < 0 {
		cfg.StatusPeriod = 0
	}
	if cfg.MediaStatsPeriod <= 0 {
		cfg.MediaStatsPeriod = DefaultMediaStatsPeriod
	}
	if cfg.LocalIP == "" {
		cfg.LocalIP = "0.0.0.0"
	}
	if cfg.Emitter == nil {
		cfg.Emitter = telemetry.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LogLevel == nil {
		cfg.LogLevel = new(slog.LevelVar)
	}
	cfg.Limits = cfg.Limits.withDefaults()
	return cfg
}
