package main

// The bundled plugins register themselves in init() (DESIGN.md "Composition
// root and registries"); the core never imports them.
import (
	_ "github.com/argusrtc/argus/plugins/echotest"
)
