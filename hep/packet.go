package hep

import (
	"net/netip"
	"time"
)

// Magic is the 4-byte id that starts every packet heplify-server accepts.
const Magic = "HEP3"

// HeaderLen is the length of the packet header ("HEP3" + total length).
const HeaderLen = 6

// ChunkHeaderLen is the length of a chunk header (vendor, type, length).
const ChunkHeaderLen = 6

// MaxPacketLen is the largest packet heplify-server reads: its UDP reader
// takes at most 65507 bytes and its TCP reader closes the connection on a
// larger header length (hep-homer.md 1.1).
const MaxPacketLen = 65507

// Generic chunk type ids (vendor 0x0000), HEP3 spec rev. 37 (hep-homer.md 1.3).
const (
	ChunkFamily        uint16 = 0x0001 // uint8: 2 IPv4, 10 IPv6
	ChunkProtocol      uint16 = 0x0002 // uint8: IP protocol (17 UDP, 6 TCP)
	ChunkIPv4Src       uint16 = 0x0003 // 4 bytes
	ChunkIPv4Dst       uint16 = 0x0004 // 4 bytes
	ChunkIPv6Src       uint16 = 0x0005 // 16 bytes
	ChunkIPv6Dst       uint16 = 0x0006 // 16 bytes
	ChunkSrcPort       uint16 = 0x0007 // uint16
	ChunkDstPort       uint16 = 0x0008 // uint16
	ChunkTimeSec       uint16 = 0x0009 // uint32 seconds since the epoch
	ChunkTimeUsec      uint16 = 0x000a // uint32 µs added to ChunkTimeSec
	ChunkProtoType     uint16 = 0x000b // uint8, see the Proto* constants
	ChunkCaptureID     uint16 = 0x000c // uint32 capture agent id
	ChunkKeepAlive     uint16 = 0x000d // uint16, ignored
	ChunkAuthKey       uint16 = 0x000e // octet string, stored in clear, never checked
	ChunkPayload       uint16 = 0x000f // octet string
	ChunkCompressed    uint16 = 0x0010 // ignored by heplify-server (and by Decode)
	ChunkCorrelationID uint16 = 0x0011 // octet string; the row's sid for non-SIP
	ChunkVLAN          uint16 = 0x0012 // uint16
	ChunkNodeName      uint16 = 0x0013 // octet string, capture agent name
)

// IP families carried in ChunkFamily.
const (
	FamilyIPv4 uint8 = 2  // AF_INET
	FamilyIPv6 uint8 = 10 // AF_INET6
)

// IP protocol ids carried in ChunkProtocol.
const (
	ProtocolTCP uint8 = 6
	ProtocolUDP uint8 = 17
)

// Protocol types (ChunkProtoType) used by Argus (hep-homer.md 1.4).
const (
	ProtoSIP      uint8 = 1   // SIP
	ProtoRTCP     uint8 = 5   // RTCP as JSON (heplify schema), table hep_proto_5_default
	ProtoRTPAgent uint8 = 34  // MOS full report JSON ("rtpagent"), table hep_proto_35_default
	ProtoLog      uint8 = 100 // JSON log ("log"), table hep_proto_100_default
)

// Packet is one HEP v3 packet. The zero value of an optional field means the
// chunk is absent: the encoder omits AuthKey, CorrelationID, NodeName and VLAN
// when they are empty or zero.
type Packet struct {
	Family        uint8      // ChunkFamily; 0 = derived from SrcIP when encoding
	Protocol      uint8      // ChunkProtocol (ProtocolUDP, ProtocolTCP)
	SrcIP         netip.Addr // ChunkIPv4Src or ChunkIPv6Src
	DstIP         netip.Addr // ChunkIPv4Dst or ChunkIPv6Dst
	SrcPort       uint16
	DstPort       uint16
	TimeSec       uint32 // seconds since the Unix epoch
	TimeUsec      uint32 // microseconds added to TimeSec
	ProtoType     uint8  // ProtoLog, ProtoRTCP, ...
	CaptureID     uint32 // capture agent id
	AuthKey       string // "password"; heplify-server stores it in clear and never checks it
	CorrelationID string // chunk 0x0011; heplify-server stores no non-SIP row without it
	NodeName      string // chunk 0x0013; heplify-server falls back to the decimal CaptureID
	VLAN          uint16
	Payload       []byte
}

// Time returns the packet timestamp (TimeSec + TimeUsec).
func (p *Packet) Time() time.Time {
	return time.Unix(int64(p.TimeSec), int64(p.TimeUsec)*1000)
}

// SetMicros sets TimeSec and TimeUsec from microseconds since the epoch, the
// unit of Janus event timestamps.
func (p *Packet) SetMicros(us int64) {
	if us < 0 {
		us = 0
	}
	p.TimeSec = uint32(us / 1_000_000)
	p.TimeUsec = uint32(us % 1_000_000)
}

// Storable reports whether heplify-server would store a non-SIP packet: it
// writes a row only when both the payload and the correlation id are set
// (hep-homer.md 2.2).
func (p *Packet) Storable() bool {
	return len(p.Payload) > 0 && p.CorrelationID != ""
}
