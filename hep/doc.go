// Package hep implements the HEP v3 (EEP) packet format used by Homer: an
// append-style encoder and a decoder that follows heplify-server's rules.
//
// Wire format (hep-homer.md section 1, HEP3 spec rev. 37): the ASCII id
// "HEP3", a big-endian uint16 total length that counts the whole packet, then
// chunks of {vendor uint16, type uint16, length uint16 (6 + payload), payload}.
//
// Decode accepts exactly what heplify-server accepts (hep-homer.md 2.1): only
// the "HEP3" prefix, a total length equal to the datagram length, chunks of at
// least 6 bytes that fit in the packet, fixed sizes for the numeric and address
// chunks, the correlation id (0x0011) as an octet string, and the vendor id
// ignored. Unknown chunk types are skipped. The homer sub-package turns
// telemetry events into HEP packets and sends them to heplify-server.
package hep
