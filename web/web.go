// Package web holds Argus's embedded demo pages: an index, the EchoTest
// demo (with a small Janus API client of our own, echotest.js) and the
// event console (console/, written with the telemetry history sink), which
// cmd/argus serves on the Admin listener with Console, behind the admin
// secret (docs/CONSOLE.md).
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// files are the pages served at "/" of the Janus HTTP listener.
//
//go:embed *.html *.js *.css *.svg all:console
var files embed.FS

// ConsolePrefix is where ConsoleHandler expects to be mounted.
const ConsolePrefix = "/console/"

// Handler serves the demo pages at "/". The event console is not among
// them: its timelines hold SDPs and tokens, so it belongs on the Admin
// listener (ConsoleHandler).
func Handler() http.Handler {
	pages := staticHandler(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == strings.TrimSuffix(ConsolePrefix, "/") || strings.HasPrefix(r.URL.Path, ConsolePrefix) {
			http.NotFound(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// ConsoleHandler serves the event console's own static files (no shared
// style, no API). Mount Console instead: it adds the shared files and the
// guarded API.
func ConsoleHandler() http.Handler {
	sub, err := fs.Sub(files, strings.Trim(ConsolePrefix, "/"))
	if err != nil { // cannot happen: the directory is embedded
		return http.NotFoundHandler()
	}
	return http.StripPrefix(ConsolePrefix, staticHandler(sub))
}

// staticHandler serves fsys. Pages are small and change with the binary,
// so browsers are told to revalidate them on every load.
func staticHandler(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fileServer.ServeHTTP(w, r)
	})
}
