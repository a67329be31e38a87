package hep

import "errors"

// Sentinel errors returned (wrapped) by Decode and AppendPacket; match them
// with errors.Is.
var (
	// ErrShortPacket: fewer than the 6 header bytes.
	ErrShortPacket = errors.New("hep: packet shorter than the 6-byte header")
	// ErrBadMagic: the packet does not start with "HEP3" (heplify-server also
	// rejects "EEP3" and HEPv2).
	ErrBadMagic = errors.New("hep: packet does not start with HEP3")
	// ErrLengthMismatch: the header's total length differs from the packet
	// length (trailing bytes included).
	ErrLengthMismatch = errors.New("hep: total length does not match packet length")
	// ErrTooLarge: the packet exceeds MaxPacketLen.
	ErrTooLarge = errors.New("hep: packet exceeds maximum length")
	// ErrChunkShort: fewer than 6 bytes left for a chunk header, or a chunk
	// length below 6.
	ErrChunkShort = errors.New("hep: chunk shorter than its 6-byte header")
	// ErrChunkOverflow: a chunk length runs past the end of the packet.
	ErrChunkOverflow = errors.New("hep: chunk length exceeds packet")
	// ErrChunkSize: a fixed-size chunk (family, protocol, address, port,
	// timestamp, proto type, capture id, VLAN) has the wrong length.
	ErrChunkSize = errors.New("hep: chunk has the wrong size for its type")
	// ErrAddress: the encoder got an invalid source or destination address,
	// or addresses of different families.
	ErrAddress = errors.New("hep: invalid or mixed-family address")
	// ErrChunkTooLarge: an octet-string chunk does not fit its uint16 length.
	ErrChunkTooLarge = errors.New("hep: chunk value exceeds 65529 bytes")
)
