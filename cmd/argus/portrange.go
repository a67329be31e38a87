package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// portRange is the UDP port range of ICE candidates (Janus rtp_port_range,
// "min-max"). The zero value means ephemeral ports chosen by the OS.
type portRange struct {
	Min, Max uint16
}

// set reports whether a range was given (the zero value is none).
func (r *portRange) set() bool { return r != nil && (r.Min != 0 || r.Max != 0) }

// String renders the range as "min-max", or "" when unset.
func (r *portRange) String() string {
	if !r.set() {
		return ""
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}

// Set parses "min-max" (1 <= min <= max <= 65535); an empty value clears
// the range.
func (r *portRange) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		*r = portRange{}
		return nil
	}
	lo, hi, ok := strings.Cut(v, "-")
	if !ok {
		return fmt.Errorf("%w %q: want min-max, e.g. 20000-40000", errBadPortRange, v)
	}
	minPort, err := parsePort(lo)
	if err != nil {
		return fmt.Errorf("%w %q: min: %w", errBadPortRange, v, err)
	}
	maxPort, err := parsePort(hi)
	if err != nil {
		return fmt.Errorf("%w %q: max: %w", errBadPortRange, v, err)
	}
	if minPort > maxPort {
		return fmt.Errorf("%w %q: min is above max", errBadPortRange, v)
	}
	*r = portRange{Min: minPort, Max: maxPort}
	return nil
}

// parsePort parses a UDP port number, 1 to 65535.
func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port: %w", err)
	}
	if n == 0 {
		return 0, errors.New("port 0 is not a port")
	}
	return uint16(n), nil
}
