package pluginkit

import (
	"context"
	"log/slog"
	"sync"

	"github.com/argusrtc/argus/core"
)

// Kit is the plugin-wide part of a plugin: its host, its logger, the root
// context of its sessions and the registry of live sessions. The zero
// value is not usable; build it with New.
type Kit struct {
	info core.PluginInfo
	pkg  string

	mu       sync.Mutex
	host     core.Host
	log      *slog.Logger
	root     context.Context //nolint:containedctx // the sessions' parent; a long-lived object owning its cancel
	cancel   context.CancelFunc
	sessions map[*Session]struct{}
}

// New returns a kit for the plugin that info describes (info.Package is
// e.g. "janus.plugin.echotest"). Sessions created before Init (tests do)
// get a root of their own, cancelled by Destroy all the same.
func New(info core.PluginInfo) *Kit {
	root, cancel := context.WithCancel(context.Background())
	return &Kit{
		info: info, pkg: info.Package, log: slog.New(slog.DiscardHandler),
		root: root, cancel: cancel, sessions: map[*Session]struct{}{},
	}
}

// Init stores the host and derives the sessions' root context from ctx
// (see the package doc for why its cancellation is not inherited).
func (k *Kit) Init(ctx context.Context, h core.Host) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.host = h
	if h != nil && h.Logger() != nil {
		k.log = h.Logger().With("plugin", k.pkg)
	}
	// Sessions attached before Init keep their root until Destroy.
	before := k.cancel
	root, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k.root = root
	k.cancel = func() { cancel(); before() }
}

// Info describes the plugin as Janus's info lists it: core.Plugin's Info
// for a plugin embedding the kit.
func (k *Kit) Info() core.PluginInfo { return k.info }

// Logger is the plugin's logger, tagged with its package.
func (k *Kit) Logger() *slog.Logger {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log
}

// Emit sends a type 64 (plugin) event through the host; h may be nil for
// an event of no handle. Before Init it does nothing.
func (k *Kit) Emit(h core.Handle, data any) {
	k.mu.Lock()
	host := k.host
	k.mu.Unlock()
	if host != nil {
		host.EmitEvent(h, data)
	}
}

// Attach creates and registers the kit's half of a plugin session for
// handle h (the plugin calls it from its NewSession) and starts its
// worker: queue bounds the messages waiting for handler.Process
// (DefaultQueueSize when <= 0).
func (k *Kit) Attach(h core.Handle, handler Handler, queue int) *Session {
	if queue <= 0 {
		queue = DefaultQueueSize
	}
	k.mu.Lock()
	log := k.log
	parent := k.root
	k.mu.Unlock()
	if h != nil && h.Logger() != nil {
		log = h.Logger().With("plugin", k.pkg)
	}
	ctx, cancel := context.WithCancel(parent)
	s := &Session{
		k: k, h: h, log: log, handler: handler,
		ctx: ctx, cancel: cancel,
		queue: make(chan core.Message, queue), workerDone: make(chan struct{}),
	}
	k.mu.Lock()
	k.sessions[s] = struct{}{}
	k.mu.Unlock()
	go s.work()
	return s
}

// Len is the number of live sessions.
func (k *Kit) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.sessions)
}

// Destroy destroys every remaining session and cancels the root context.
// It works after a failed Init and may be called more than once; it has
// core.Plugin's Destroy signature, so a plugin embedding *Kit gets it, and
// returns nil (sessions end without errors).
func (k *Kit) Destroy(context.Context) error {
	k.mu.Lock()
	all := make([]*Session, 0, len(k.sessions))
	for s := range k.sessions {
		all = append(all, s)
	}
	k.mu.Unlock()
	for _, s := range all {
		s.Destroy()
	}
	k.mu.Lock()
	k.cancel()
	k.mu.Unlock()
	return nil
}

// forget drops a destroyed session.
func (k *Kit) forget(s *Session) {
	k.mu.Lock()
	delete(k.sessions, s)
	k.mu.Unlock()
}
