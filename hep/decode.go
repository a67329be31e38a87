package hep

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// fixedSize is the exact value length heplify-server enforces per chunk type
// (hep-homer.md 1.3); types not listed have any length.
func fixedSize(typ uint16) int {
	switch typ {
	case ChunkFamily, ChunkProtocol, ChunkProtoType:
		return 1
	case ChunkSrcPort, ChunkDstPort, ChunkVLAN:
		return 2
	case ChunkIPv4Src, ChunkIPv4Dst, ChunkTimeSec, ChunkTimeUsec, ChunkCaptureID:
		return 4
	case ChunkIPv6Src, ChunkIPv6Dst:
		return 16
	default:
		return -1
	}
}

// Decode parses one HEP v3 packet with heplify-server's rules: the "HEP3"
// prefix, total length equal to len(b) (trailing bytes are an error) and at
// most MaxPacketLen, every chunk at least 6 bytes and inside the packet, fixed
// sizes for numeric and address chunks (ErrChunkSize), vendor ids ignored,
// unknown types and the compressed payload (0x0010) skipped, a repeated chunk
// overwriting the earlier one. The returned Packet does not alias b.
func Decode(b []byte) (*Packet, error) {
	if len(b) < HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrShortPacket, len(b))
	}
	if !bytes.HasPrefix(b, []byte(Magic)) {
		return nil, fmt.Errorf("%w: % x", ErrBadMagic, b[:4])
	}
	if len(b) > MaxPacketLen {
		return nil, fmt.Errorf("%w: %d > %d bytes", ErrTooLarge, len(b), MaxPacketLen)
	}
	if total := int(binary.BigEndian.Uint16(b[4:6])); total != len(b) {
		return nil, fmt.Errorf("%w: header says %d, packet is %d", ErrLengthMismatch, total, len(b))
	}
	p := &Packet{}
	for off := HeaderLen; off < len(b); {
		rest := b[off:]
		if len(rest) < ChunkHeaderLen {
			return nil, fmt.Errorf("%w: %d bytes left at offset %d", ErrChunkShort, len(rest), off)
		}
		typ := binary.BigEndian.Uint16(rest[2:4])
		clen := int(binary.BigEndian.Uint16(rest[4:6]))
		if clen < ChunkHeaderLen {
			return nil, fmt.Errorf("%w: type %d length %d", ErrChunkShort, typ, clen)
		}
		if clen > len(rest) {
			return nil, fmt.Errorf("%w: type %d length %d, %d bytes left", ErrChunkOverflow, typ, clen, len(rest))
		}
		v := rest[ChunkHeaderLen:clen]
		if want := fixedSize(typ); want >= 0 && len(v) != want {
			return nil, fmt.Errorf("%w: type %d should be %d bytes, is %d", ErrChunkSize, typ, want, len(v))
		}
		p.set(typ, v)
		off += clen
	}
	return p, nil
}

// set stores one chunk value whose size has been checked.
func (p *Packet) set(typ uint16, v []byte) {
	switch typ {
	case ChunkFamily:
		p.Family = v[0]
	case ChunkProtocol:
		p.Protocol = v[0]
	case ChunkIPv4Src, ChunkIPv6Src:
		p.SrcIP, _ = netip.AddrFromSlice(v)
	case ChunkIPv4Dst, ChunkIPv6Dst:
		p.DstIP, _ = netip.AddrFromSlice(v)
	case ChunkSrcPort:
		p.SrcPort = binary.BigEndian.Uint16(v)
	case ChunkDstPort:
		p.DstPort = binary.BigEndian.Uint16(v)
	case ChunkTimeSec:
		p.TimeSec = binary.BigEndian.Uint32(v)
	case ChunkTimeUsec:
		p.TimeUsec = binary.BigEndian.Uint32(v)
	case ChunkProtoType:
		p.ProtoType = v[0]
	case ChunkCaptureID:
		p.CaptureID = binary.BigEndian.Uint32(v)
	case ChunkAuthKey:
		p.AuthKey = string(v)
	case ChunkPayload:
		p.Payload = bytes.Clone(v)
	case ChunkCorrelationID:
		p.CorrelationID = string(v)
	case ChunkVLAN:
		p.VLAN = binary.BigEndian.Uint16(v)
	case ChunkNodeName:
		p.NodeName = string(v)
	}
}
