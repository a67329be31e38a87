// Package web holds Argus's embedded demo pages: an index, the EchoTest
// demo (with a small Janus API client of our own, echotest.js) and the
// event console that the telemetry history sink fills in console/.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// files are the pages served at "/" of the Janus HTTP listener.
//
//go:embed *.html *.js *.css all:console
var files embed.FS

// Handler serves the demo pages. Pages are small and change with the
// binary, so browsers are told to revalidate them on every load.
func Handler() http.Handler {
	fsys := fs.FS(files)
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fileServer.ServeHTTP(w, r)
	})
}
