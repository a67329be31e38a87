package telemetry

// DrainRounds is drainRounds, for the external tests.
const DrainRounds = drainRounds

// SetAfterDerivedDrain makes b's Shutdown call f between the deriving
// sinks' drain and the shutdown flag: the window in which an event emitted
// elsewhere lands in a drained deriving sink's queue. Call it before
// Shutdown.
func SetAfterDerivedDrain(b *Bus, f func()) { b.afterDerivedDrain = f }
