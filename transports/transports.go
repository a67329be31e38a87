// Package transports declares what every Janus API transport needs from the
// core (Gateway) and the registry through which transports announce
// themselves: their Janus package name, their description for server_info
// and their command-line flags. cmd/argus binds the flags of every
// registered transport and starts those the flags enabled, as it does for
// plugins and sinks.
package transports

import (
	"cmp"
	"context"
	"flag"
	"log/slog"
	"slices"
	"sync"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// Gateway is what a transport needs from the core; *core.Gateway satisfies
// it.
type Gateway interface {
	// HandleJanus processes one Janus API request and returns the response JSON.
	HandleJanus(ctx context.Context, c core.Client, raw []byte, p core.PathIDs) []byte
	// HandleAdmin processes one Admin API request and returns the response JSON.
	HandleAdmin(ctx context.Context, c core.Client, raw []byte, p core.PathIDs) []byte
	// CheckAuth applies the api_secret/token either-or rule (HTTP long
	// polls; transports that authenticate in the body do not call it).
	CheckAuth(apisecret, token string) bool
	// Touch refreshes a session's activity; false means no such session.
	Touch(s core.SessionID) bool
	// TransportGone tells the core a connection closed.
	TransportGone(c core.Client)
}

// Deps is what cmd/argus hands a transport it starts.
type Deps struct {
	Gateway    Gateway
	Emitter    telemetry.Emitter // type 128 events; nil = none
	ServerName string            // the events' emitter
	Logger     *slog.Logger
	// Refusals counts the connections the transport refuses, by reason
	// (argus_transport_connections_refused_total); nil counts nothing.
	Refusals *RefusalCounter
}

// Running is a started transport.
type Running interface {
	// Close stops accepting requests, ends every connection (TransportGone
	// for each) and waits for the transport's goroutines.
	Close()
}

// Setup is a transport's parsed flags.
type Setup interface {
	// Enabled reports whether the flags asked for this transport.
	Enabled() bool
	// Start starts the transport; it binds what it listens on before
	// returning, so a busy path fails startup. ctx bounds the transport's
	// lifetime (Close ends it earlier).
	Start(ctx context.Context, d Deps) (Running, error)
}

// Registration describes a transport.
type Registration struct {
	Package string          // Janus package name, "janus.transport.pfunix"
	Info    core.ModuleInfo // server_info "transports" entry
	// Flags binds the transport's flags to fs and returns the Setup that
	// reads them after parsing. Nil for transports cmd/argus wires itself
	// (HTTP and WebSocket, which share listeners with the demo pages,
	// /metrics and the console).
	Flags func(fs *flag.FlagSet) Setup
	// Refuses lists the reasons (Reason*) for which the transport may
	// refuse a connection: each is exported at 0 from start-up. Empty for
	// a transport that has no connections to refuse (the brokers').
	Refuses []string
}

//nolint:gochecknoglobals // the transport registry, written in init
var (
	regMu sync.Mutex
	regs  = map[string]Registration{}
)

// Register adds a transport, normally from its package's init. It panics
// on an empty or duplicate package name, a programming error.
func Register(r Registration) {
	regMu.Lock()
	defer regMu.Unlock()
	if r.Package == "" {
		panic("transports: Register with an empty package name")
	}
	if _, dup := regs[r.Package]; dup {
		panic("transports: Register called twice for " + r.Package)
	}
	regs[r.Package] = r
}

// Registered returns every registered transport, sorted by package name.
func Registered() []Registration {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]Registration, 0, len(regs))
	for _, r := range regs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Registration) int { return cmp.Compare(a.Package, b.Package) })
	return out
}

// Lookup returns the registration of a package name.
func Lookup(pkg string) (Registration, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	r, ok := regs[pkg]
	return r, ok
}

// Desc is r's server_info entry.
func (r Registration) Desc() core.TransportDesc {
	i := r.Info
	return core.TransportDesc{Package: r.Package, Name: i.Name, Author: i.Author,
		Description: i.Description, VersionString: i.VersionString, Version: i.Version}
}

// Module is the server_info entry of an Argus transport: Argus's author
// and version with the transport's name and description.
func Module(name, description string) core.ModuleInfo {
	return core.ModuleInfo{Name: name, Author: core.Author, Description: description,
		VersionString: core.VersionString, Version: core.Version}
}
