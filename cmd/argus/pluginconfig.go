package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// errPluginConfig marks a -plugin-config entry that cannot be used.
var errPluginConfig = errors.New("invalid plugin configuration")

// maxPluginConfig bounds a plugin configuration file.
const maxPluginConfig = 1 << 20

// pluginConfigs reads the -plugin-config entries, each "package=file":
// the file is the JSON configuration section of a registered plugin
// (core.Config.PluginConfigs, handed to the plugin's Init; its README
// documents the keys), what Janus reads from janus.plugin.<name>.jcfg.
// A plugin without an entry gets none and keeps its defaults.
func pluginConfigs(entries, registered []string) (map[string]json.RawMessage, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	out := map[string]json.RawMessage{}
	for _, e := range entries {
		pkg, path, ok := strings.Cut(e, "=")
		if !ok || pkg == "" || path == "" {
			return nil, fmt.Errorf("%w: %q: want package=file", errPluginConfig, e)
		}
		if !slices.Contains(registered, pkg) {
			return nil, fmt.Errorf("%w: %q: no such plugin (%s)", errPluginConfig, pkg, strings.Join(registered, ", "))
		}
		if _, dup := out[pkg]; dup {
			return nil, fmt.Errorf("%w: %q given twice", errPluginConfig, pkg)
		}
		b, err := readConfigFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", errPluginConfig, pkg, err)
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("%w: %s: %s is not JSON", errPluginConfig, pkg, path)
		}
		out[pkg] = b
	}
	return out, nil
}

// readConfigFile reads a file of at most maxPluginConfig bytes.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPluginConfig+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxPluginConfig {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxPluginConfig)
	}
	return b, nil
}
