package core

import (
	"maps"
	"slices"
	"sync"
)

// pluginRegistry maps plugin package names to their registrations. It is
// written only from init functions and read by New.
var pluginRegistry = struct { //nolint:gochecknoglobals // the plugin registry, written in init
	sync.RWMutex
	m map[string]pluginRegistration
}{m: map[string]pluginRegistration{}}

// pluginRegistration is what RegisterPlugin keeps of a plugin.
type pluginRegistration struct {
	newFn  func() Plugin
	limits []string // PluginLimits
}

// PluginOption adds to a plugin's registration (RegisterPlugin).
type PluginOption func(*pluginRegistration)

// PluginLimits declares the limit names a plugin passes its Host's
// RefusalCounter, so that a refusal counter shared with the plugins
// exports each from start-up, at 0 (PluginLimitNames). A name the plugin
// counts without declaring it is not lost: cmd/argus's counter counts it
// under the catch-all label "other".
func PluginLimits(names ...string) PluginOption {
	return func(r *pluginRegistration) { r.limits = append(r.limits, names...) }
}

// RegisterPlugin registers a plugin constructor under its Janus package name
// (e.g. "janus.plugin.echotest"), with what opts declare of it. Call it from
// the plugin package's init; an empty name, a nil constructor or a
// duplicate name panics.
func RegisterPlugin(pkg string, newFn func() Plugin, opts ...PluginOption) {
	if pkg == "" || newFn == nil {
		panic("core: RegisterPlugin with an empty name or nil constructor")
	}
	r := pluginRegistration{newFn: newFn}
	for _, o := range opts {
		o(&r)
	}
	pluginRegistry.Lock()
	defer pluginRegistry.Unlock()
	if _, dup := pluginRegistry.m[pkg]; dup {
		panic("core: plugin " + pkg + " registered twice")
	}
	pluginRegistry.m[pkg] = r
}

// RegisteredPlugins returns the registered plugin package names, sorted.
func RegisteredPlugins() []string {
	pluginRegistry.RLock()
	defer pluginRegistry.RUnlock()
	return slices.Sorted(maps.Keys(pluginRegistry.m))
}

func registeredPlugin(pkg string) (func() Plugin, bool) {
	pluginRegistry.RLock()
	defer pluginRegistry.RUnlock()
	r, ok := pluginRegistry.m[pkg]
	return r.newFn, ok
}

// PluginLimitNames returns the limit names the registered plugins pkgs
// declared (PluginLimits), or every registered plugin's when pkgs is
// empty; sorted, each once. With the core's own (LimitNames) they are the
// labels a refusal counter shared with the plugins exports from start-up.
// An unregistered package adds nothing.
func PluginLimitNames(pkgs ...string) []string {
	pluginRegistry.RLock()
	defer pluginRegistry.RUnlock()
	if len(pkgs) == 0 {
		pkgs = slices.Collect(maps.Keys(pluginRegistry.m))
	}
	var names []string
	for _, pkg := range pkgs {
		names = append(names, pluginRegistry.m[pkg].limits...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
