package hep

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"slices"
)

// AppendPacket appends the HEP v3 encoding of p to dst and returns the
// extended slice. It allocates only when dst lacks capacity (once, for the
// whole packet), so a caller that reuses its buffer encodes without
// allocating.
//
// Chunk order: family, protocol, source and destination address, ports,
// timestamp, proto type, capture id, then auth key, correlation id, VLAN and
// node name when set, and the payload last (the order of the spec example and
// hep-homer.md 1.6; receivers accept any order). The addresses must be valid
// and of one family (see addrPair): a pair that is IPv4 once unmapped is sent
// as IPv4, an IPv4-mapped address beside a real IPv6 one is sent as IPv6, so
// everything Decode returns re-encodes. A packet longer than MaxPacketLen is
// rejected with ErrTooLarge.
func AppendPacket(dst []byte, p *Packet) ([]byte, error) {
	src, dstIP, ok := addrPair(p.SrcIP, p.DstIP)
	if !ok {
		return dst, fmt.Errorf("%w: src %v dst %v", ErrAddress, p.SrcIP, p.DstIP)
	}
	for _, s := range [...]string{p.AuthKey, p.CorrelationID, p.NodeName} {
		if len(s) > math.MaxUint16-ChunkHeaderLen {
			return dst, ErrChunkTooLarge
		}
	}
	if len(p.Payload) > math.MaxUint16-ChunkHeaderLen {
		return dst, fmt.Errorf("%w: payload %d bytes", ErrTooLarge, len(p.Payload))
	}
	n := EncodedLen(p)
	if n > MaxPacketLen {
		return dst, fmt.Errorf("%w: %d > %d bytes", ErrTooLarge, n, MaxPacketLen)
	}
	family, addrLen, srcType, dstType := FamilyIPv4, 4, ChunkIPv4Src, ChunkIPv4Dst
	if src.Is6() {
		family, addrLen, srcType, dstType = FamilyIPv6, 16, ChunkIPv6Src, ChunkIPv6Dst
	}
	if p.Family != 0 {
		family = p.Family
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, Magic...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	dst = appendUint8(dst, ChunkFamily, family)
	dst = appendUint8(dst, ChunkProtocol, p.Protocol)
	dst = appendChunkHeader(dst, srcType, addrLen)
	dst = appendAddr(dst, src)
	dst = appendChunkHeader(dst, dstType, addrLen)
	dst = appendAddr(dst, dstIP)
	dst = appendUint16(dst, ChunkSrcPort, p.SrcPort)
	dst = appendUint16(dst, ChunkDstPort, p.DstPort)
	dst = appendUint32(dst, ChunkTimeSec, p.TimeSec)
	dst = appendUint32(dst, ChunkTimeUsec, p.TimeUsec)
	dst = appendUint8(dst, ChunkProtoType, p.ProtoType)
	dst = appendUint32(dst, ChunkCaptureID, p.CaptureID)
	if p.AuthKey != "" {
		dst = appendChunkHeader(dst, ChunkAuthKey, len(p.AuthKey))
		dst = append(dst, p.AuthKey...)
	}
	if p.CorrelationID != "" {
		dst = appendChunkHeader(dst, ChunkCorrelationID, len(p.CorrelationID))
		dst = append(dst, p.CorrelationID...)
	}
	if p.VLAN != 0 {
		dst = appendUint16(dst, ChunkVLAN, p.VLAN)
	}
	if p.NodeName != "" {
		dst = appendChunkHeader(dst, ChunkNodeName, len(p.NodeName))
		dst = append(dst, p.NodeName...)
	}
	dst = appendChunkHeader(dst, ChunkPayload, len(p.Payload))
	dst = append(dst, p.Payload...)
	return dst, nil
}

// EncodedLen returns the length AppendPacket produces for p (assuming its
// addresses are valid).
func EncodedLen(p *Packet) int {
	const fixed = HeaderLen +
		2*(ChunkHeaderLen+1) + // family, protocol
		2*(ChunkHeaderLen+2) + // ports
		2*(ChunkHeaderLen+4) + // timestamp
		(ChunkHeaderLen + 1) + // proto type
		(ChunkHeaderLen + 4) + // capture id
		ChunkHeaderLen // payload header
	n := fixed + len(p.Payload)
	if src, _, _ := addrPair(p.SrcIP, p.DstIP); src.Is4() {
		n += 2 * (ChunkHeaderLen + 4)
	} else {
		n += 2 * (ChunkHeaderLen + 16)
	}
	for _, s := range [...]string{p.AuthKey, p.CorrelationID, p.NodeName} {
		if s != "" {
			n += ChunkHeaderLen + len(s)
		}
	}
	if p.VLAN != 0 {
		n += ChunkHeaderLen + 2
	}
	return n
}

// addrPair returns the source and destination as they are encoded: both
// IPv4 when both unmap to IPv4, both as 16-byte IPv6 when at least one is a
// real IPv6 address and the other is IPv6 or IPv4-mapped (as Decode returns a
// mapped address read from an IPv6 chunk). ok is false for an invalid address
// or a plain IPv4 address beside a real IPv6 one.
func addrPair(src, dst netip.Addr) (s, d netip.Addr, ok bool) {
	if !src.IsValid() || !dst.IsValid() {
		return src, dst, false
	}
	if s, d = src.Unmap(), dst.Unmap(); s.Is4() && d.Is4() {
		return s, d, true
	}
	return src, dst, src.Is6() && dst.Is6()
}

func appendChunkHeader(dst []byte, typ uint16, valueLen int) []byte {
	dst = binary.BigEndian.AppendUint16(dst, 0) // generic vendor
	dst = binary.BigEndian.AppendUint16(dst, typ)
	return binary.BigEndian.AppendUint16(dst, uint16(ChunkHeaderLen+valueLen))
}

func appendUint8(dst []byte, typ uint16, v uint8) []byte {
	return append(appendChunkHeader(dst, typ, 1), v)
}

func appendUint16(dst []byte, typ uint16, v uint16) []byte {
	return binary.BigEndian.AppendUint16(appendChunkHeader(dst, typ, 2), v)
}

func appendUint32(dst []byte, typ uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(appendChunkHeader(dst, typ, 4), v)
}

func appendAddr(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return append(dst, b[:]...)
	}
	b := a.As16()
	return append(dst, b[:]...)
}
