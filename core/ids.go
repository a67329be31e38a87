package core

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// SessionID is a Janus session id (53-bit, never 0).
type SessionID uint64

// HandleID is a Janus handle id (53-bit, never 0, unique within a session).
type HandleID uint64

func (id SessionID) String() string { return strconv.FormatUint(uint64(id), 10) }
func (id HandleID) String() string  { return strconv.FormatUint(uint64(id), 10) }

// maxID is the JS-safe 53-bit mask Janus applies to random ids.
const maxID = 0x1FFFFFFFFFFFFF

// RandomID returns a random non-zero 53-bit id, as Janus's
// janus_random_uint64 masked to 53 bits (janus-reference.md section 0).
func RandomID() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.BigEndian.Uint64(b[:]) & maxID; v != 0 {
			return v
		}
	}
}
