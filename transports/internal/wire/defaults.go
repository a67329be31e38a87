package wire

// OrDefault sets *v to def when *v is zero or negative: the rule for the
// transports' numeric settings (sizes, limits, timeouts), where a value
// left unset means the default.
func OrDefault[T ~int | ~int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
