package prom

import (
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// Label values are normalised to small fixed sets so that no input from the
// network can create new series; anything unexpected becomes "other".

const other = "other"

// mediaKind maps a report's media ("audio", "video", "data", "video-sim1",
// "video-sim2") to a kind label; simulcast layers count as video.
func mediaKind(m string) string {
	switch {
	case m == "audio", m == "video", m == "data":
		return m
	case strings.HasPrefix(m, "video-sim"):
		return "video"
	}
	return other
}

func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return other
}

func iceState(s string) string {
	return oneOf(s, "disconnected", "gathering", "connecting", "connected", "ready", "failed")
}

func dtlsState(s string) string {
	return oneOf(s, "trying", "connected", "failed")
}

// hangupReason keeps the reasons Janus 1.1.2 emits (janus-reference.md 1.4).
func hangupReason(r string) string {
	if r == "" {
		return "none"
	}
	return oneOf(r, "Janus API", "Admin API", "Close PC", "DTLS alert", "DTLS timeout", "DTLS error",
		"ICE failed", "Gathering error", "ICE gathering error", "DTLS-SRTP stack error", "Detach")
}

// pluginName accepts package-like names (janus.plugin.echotest); a plugin
// name is chosen by code, not by clients, but stay defensive.
func pluginName(p string) string {
	if p == "" {
		return "none"
	}
	if len(p) > 64 {
		return other
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return other
		}
	}
	return p
}

func typeName(t telemetry.Type) string {
	switch t {
	case telemetry.TypeSession:
		return "session"
	case telemetry.TypeHandle:
		return "handle"
	case telemetry.TypeExternal:
		return "external"
	case telemetry.TypeJSEP:
		return "jsep"
	case telemetry.TypeWebRTC:
		return "webrtc"
	case telemetry.TypeMedia:
		return "media"
	case telemetry.TypePlugin:
		return "plugin"
	case telemetry.TypeTransport:
		return "transport"
	case telemetry.TypeCore:
		return "core"
	}
	return other
}
