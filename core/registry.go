package core

import (
	"maps"
	"slices"
	"sync"
)

// pluginRegistry maps plugin package names to constructors. It is written
// only from init functions and read by New.
var pluginRegistry = struct { //nolint:gochecknoglobals // the plugin registry, written in init
	sync.RWMutex
	m map[string]func() Plugin
}{m: map[string]func() Plugin{}}

// RegisterPlugin registers a plugin constructor under its Janus package name
// (e.g. "janus.plugin.echotest"). Call it from the plugin package's init;
// an empty name, a nil constructor or a duplicate name panics. The
// constructor must be cheap and have no side effects: PluginLimitNames
// calls it too, and drops what it returns without Init or Destroy.
func RegisterPlugin(pkg string, newFn func() Plugin) {
	if pkg == "" || newFn == nil {
		panic("core: RegisterPlugin with an empty name or nil constructor")
	}
	pluginRegistry.Lock()
	defer pluginRegistry.Unlock()
	if _, dup := pluginRegistry.m[pkg]; dup {
		panic("core: plugin " + pkg + " registered twice")
	}
	pluginRegistry.m[pkg] = newFn
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
	f, ok := pluginRegistry.m[pkg]
	return f, ok
}

// PluginLimitNames returns the limit names the registered plugins declare
// (LimitDeclarer), sorted, each once: with the core's own (LimitNames),
// the labels a refusal counter shared with the plugins should export from
// start-up. It builds one instance of each plugin to ask it, never
// initialised.
func PluginLimitNames() []string {
	var names []string
	for _, pkg := range RegisteredPlugins() {
		newFn, _ := registeredPlugin(pkg)
		if d, ok := newFn().(LimitDeclarer); ok {
			names = append(names, d.LimitNames()...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
