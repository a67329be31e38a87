package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// errSinkConfig marks a telemetry sink that refused its configuration
// (a bad -hep URL, a -sink-opt for a sink that is off): a configuration
// error, exit status 2, like a bad flag.
var errSinkConfig = errors.New("sink configuration")

var sinkNameRE = regexp.MustCompile(`sink "([a-z-]+)"`)

// configErrorMessage is the one line printed for a configuration error
// found while building the server; it names the flag.
func configErrorMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), errSinkConfig.Error()+": ")
	if strings.Contains(msg, "-sink-opt") {
		return msg
	}
	if m := sinkNameRE.FindStringSubmatch(msg); m != nil {
		if spec, ok := telemetry.SinkSpecOf(m[1]); ok && spec.Flag.Name != "" {
			return "-" + spec.Flag.Name + ": " + msg
		}
	}
	return msg
}

// usage prints -help: what Argus is, every flag, and how the ARGUS_*
// variables relate to the flags.
func usage(fs *flag.FlagSet, out io.Writer) {
	fmt.Fprintf(out, `Argus %s: a WebRTC gateway speaking the Janus API.

Usage: argus [flags]

Every flag can also be set by an environment variable: ARGUS_ and the flag
name in upper case with "-" as "_" (-rtp-port-range is ARGUS_RTP_PORT_RANGE,
-sink-opt is ARGUS_SINK_OPT with ";" between settings). Precedence: built-in
default < ARGUS_* variable < command-line flag. The OpenTelemetry sink
(-otel) reads the standard OTEL_* variables. A bad flag or variable exits
with status 2.

Flags:
`, core.VersionString)
	fs.SetOutput(out)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// logStartup logs the version, every listener's URLs and the enabled
// sinks, and warns of a -trusted-proxy-header that nothing reads.
func logStartup(logger *slog.Logger, cfg config, s *server) {
	logger.Info("argus starting", "version", core.VersionString, "server_name", cfg.ServerName,
		"sinks", strings.Join(enabledSinks(s), ","))
	if l := cfg.Limits; l.TrustedProxyHeaderSet && l.TrustedProxies.Empty() {
		logger.Warn("-trusted-proxy-header is set without -trusted-proxies: no forwarding header is read, every client is its peer",
			"header", l.TrustedProxies.Header().String())
	}
	for _, l := range s.listeners {
		addr := l.ln.Addr().String()
		for _, u := range listenerURLs(l.name, addr, cfg) {
			logger.Info("listening", "listener", l.name, "what", u[0], "url", u[1])
		}
	}
}

// enabledSinks names the sinks attached to the bus, in attach order.
func enabledSinks(s *server) []string {
	var out []string
	if s.obs != nil {
		for _, st := range s.obs.bus.Stats() {
			out = append(out, st.Name)
		}
	}
	if len(out) == 0 {
		out = append(out, "none")
	}
	return out
}

// listenerURLs returns (what, URL) pairs served by one listener.
func listenerURLs(name, addr string, cfg config) [][2]string {
	switch name {
	case "http":
		return [][2]string{{"demos", "http://" + addr + "/"}, {"janus api", "http://" + addr + "/janus"}}
	case "ws":
		return [][2]string{{"janus api", "ws://" + addr + "/"}}
	case "admin":
		out := [][2]string{{"admin api", "http://" + addr + "/admin"}}
		if cfg.metricsEnabled() {
			out = append(out, [2]string{"metrics", "http://" + addr + "/metrics"})
		}
		if on, _ := strconv.ParseBool(cfg.Sinks["history"]); on {
			out = append(out, [2]string{"console", "http://" + addr + "/console/"})
		}
		return out
	case "admin-ws":
		return [][2]string{{"admin api", "ws://" + addr + "/"}}
	}
	return [][2]string{{name, addr}}
}
