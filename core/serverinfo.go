package core

import (
	"maps"
	"runtime"
	"runtime/debug"
	"slices"
	"time"
)

// moduleObj renders {name, author, description, version_string, version}.
func moduleObj(name, author, desc, vs string, v int) obj {
	return obj{}.set("name", name).set("author", author).set("description", desc).
		set("version_string", vs).set("version", v)
}

// buildInfo returns the VCS revision, build time and dependency versions.
func buildInfo() (commit, built string, deps obj) {
	commit, built = "unknown", "unknown"
	deps = obj{}.set("go", runtime.Version())
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return commit, built, deps
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			built = s.Value
		}
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/pion/webrtc/v4", "github.com/pion/ice/v4", "github.com/pion/dtls/v3", "github.com/pion/srtp/v3":
			deps = deps.set(d.Path, d.Version)
		}
	}
	return commit, built, deps
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// serverInfo renders the Janus server_info object (janus-reference.md 1.3
// info) with Argus's values; tr nil omits the transaction (startup event).
func (g *Gateway) serverInfo(tr *string) obj {
	commit, built, deps := buildInfo()
	g.mu.Lock()
	accepting := g.accepting && !g.closed
	g.mu.Unlock()
	st := g.admin.snapshot()
	o := obj{}.set("janus", "server_info")
	if tr != nil {
		o = o.set("transaction", *tr)
	}
	o = o.set("name", ServerName).
		set("version", JanusAPIVersion).
		set("version_string", JanusAPIVersionString).
		set("argus_version", VersionString).
		set("author", Author).
		set("commit-hash", commit).
		set("compile-time", built).
		set("log-to-stdout", true).
		set("log-to-file", false).
		set("data_channels", true).
		set("accepting-new-sessions", accepting).
		set("session-timeout", seconds(time.Duration(g.sessionTimeout.Load()))).
		set("reclaim-session-timeout", seconds(g.cfg.ReclaimTimeout)).
		set("candidates-timeout", seconds(g.cfg.CandidatesTimeout)).
		set("server-name", g.cfg.ServerName).
		set("local-ip", g.cfg.LocalIP)
	if len(g.cfg.PublicIPs) > 0 {
		o = o.set("public-ip", g.cfg.PublicIPs[0])
	}
	if len(g.cfg.PublicIPs) > 1 {
		o = o.set("public-ips", g.cfg.PublicIPs)
	}
	o = o.set("ipv6", g.cfg.IPv6)
	if g.cfg.IPv6 {
		// Janus says whether it gathers link-local IPv6 addresses; pion
		// does not.
		o = o.set("ipv6-link-local", false)
	}
	o = o.set("ice-lite", g.cfg.ICELite).
		set("ice-tcp", false).
		set("ice-nomination", "regular"). // pion nominates a pair once its check succeeded
		set("ice-keepalive-conncheck", true).
		set("ice-consent-freshness", true).
		set("hangup-on-failed", g.cfg.HangupOnFailed).
		set("full-trickle", false).
		set("mdns-enabled", false).
		set("min-nack-queue", st.minNackQueue).
		set("nack-optimizations", st.nackOptimizations).
		set("twcc-period", 100).
		set("dtls-mtu", 1200).
		set("static-event-loops", 0).
		set("api_secret", g.cfg.APISecret != "").
		set("auth_token", g.cfg.TokenAuth).
		set("event_handlers", len(g.cfg.EventHandlers) > 0).
		set("opaqueid_in_api", g.cfg.OpaqueIDInAPI).
		set("dependencies", deps)

	transports := obj{}
	for _, t := range g.cfg.Transports {
		transports = transports.set(t.Package, moduleObj(t.Name, t.Author, t.Description, t.VersionString, t.Version))
	}
	events := obj{}
	for _, n := range slices.Sorted(maps.Keys(g.cfg.EventHandlers)) {
		mi := ModuleInfo{Name: n}
		if d, ok := g.cfg.EventHandlers[n].(EventHandlerDescriber); ok {
			mi = d.Info()
		}
		events = events.set(n, moduleObj(mi.Name, mi.Author, mi.Description, mi.VersionString, mi.Version))
	}
	plugins := obj{}
	for _, pkg := range g.pluginOrder {
		pi := g.plugins[pkg].Info()
		plugins = plugins.set(pkg, moduleObj(pi.Name, pi.Author, pi.Description, pi.VersionString, pi.Version))
	}
	return o.set("transports", transports).set("events", events).set("loggers", obj{}).set("plugins", plugins)
}
