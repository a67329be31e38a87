// Package pluginkit is the part every Janus plugin of Argus shares, so a
// plugin package holds only its own logic:
//
//   - Kit, embedded in a plugin: its Info, the host and logger given at
//     Init, a root context for the plugin's sessions, and the registry of
//     live sessions that Destroy tears down.
//   - Session, one per attached handle: a bounded request queue served by
//     one worker goroutine, a context derived from the plugin's root and
//     cancelled on Destroy, and a goroutine group. Every goroutine of a
//     plugin session is started with Session.Go, gets the session's
//     context and is waited for by Destroy, so nothing outlives its
//     session.
//
// Its subpackage mediakit holds the pion helpers media plugins share
// (codec naming, codec+RTX preferences, REMB, per-PeerConnection state).
//
// # Lifetimes
//
// Kit.Init derives the root context from the Init context without its
// cancellation (context.WithoutCancel): the core calls Init with the
// gateway's start-up context, and a signal cancelling that context must
// not kill sessions before the gateway destroys them in order (sessions
// emit their final events first). The root is cancelled by Kit.Destroy,
// which is core.Plugin's Destroy of a plugin embedding the kit.
//
// Session.Destroy runs in this order: mark destroyed (Enqueue refuses
// from now on), cancel the session context, wait for the worker, run the
// plugin's Teardown, close the goroutine group (Go refuses from now on)
// and wait for every goroutine started with Go, drop the session from the
// registry. The core closes the handle's
// PeerConnection before calling Destroy, so goroutines that read from
// pion (RTCP readers) end as well. A goroutine started with Go must
// never call Destroy on its own session.
//
// # Writing a plugin
//
// A plugin type embeds a *Kit, which gives it core.Plugin's Info and
// Destroy, and implements the rest: Init calls Kit.Init, NewSession
// builds its session state and calls Kit.Attach with a Handler (Process
// for queued messages, Teardown for detach). The plugin's
// core.PluginSession answers HandleMessage synchronously or with Enqueue
// (an "ack"; the answer follows from Process as an event), and its
// Destroy is Session.Destroy. Tests drive it with the core/coretest Host
// and Handle. See example_test.go: a complete plugin in about 60 lines.
package pluginkit
