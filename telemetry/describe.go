package telemetry

// Argus's event handler modules are listed (server_info "events", Admin
// query_eventhandler) with this author and, unless a sink says otherwise,
// this version.
const (
	handlerAuthor        = "Argus"
	handlerVersionString = "0.0.1"
	handlerVersion       = 1
)

// ArgusHandler returns the HandlerInfo of an Argus sink listed as the
// module pkg with name and description: Argus is its author and 0.0.1 (1)
// its version. A sink that mirrors another version of a Janus handler
// sets VersionString on the result.
func ArgusHandler(pkg, name, description string) HandlerInfo {
	return HandlerInfo{Package: pkg, Name: name, Author: handlerAuthor, Description: description,
		VersionString: handlerVersionString, Version: handlerVersion}
}

// OptionDocs returns, for SinkSpec.Options, the keys options declares,
// each documented with its value in doc (the sink's defaults, so that
// -help shows them).
func OptionDocs[C any](doc C, options func(*C) *SinkOptions) []SinkOption {
	return options(&doc).Docs()
}
