package homer

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// The QoS payloads (type 5 and type 34) are appended field by field into
// one buffer per media report event instead of json.Marshal's
// reflection, a copy per payload and the report block slice and MOS
// pointers it needs: the bytes are json.Marshal's (FuzzQoSJSON).

// appendRTCP appends json.Marshal(*r)'s bytes. r has one report block, as
// mediaQoS builds it.
func appendRTCP(b []byte, r *rtcpJSON) []byte {
	si := &r.SenderInformation
	b = appendUint(b, `{"sender_information":{"ntp_timestamp_sec":`, uint64(si.NTPTimestampSec))
	b = appendUint(b, `,"ntp_timestamp_usec":`, uint64(si.NTPTimestampUsec))
	b = appendUint(b, `,"rtp_timestamp":`, uint64(si.RTPTimestamp))
	b = appendUint(b, `,"packets":`, uint64(si.Packets))
	b = appendUint(b, `,"octets":`, uint64(si.Octets))
	b = appendUint(b, `},"ssrc":`, uint64(r.SSRC))
	b = appendInt(b, `,"type":`, int64(r.Type))
	b = appendInt(b, `,"report_count":`, int64(r.ReportCount))
	b = append(b, `,"report_blocks":`...)
	if r.ReportBlocks == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.ReportBlocks {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendReportBlock(b, &r.ReportBlocks[i])
		}
		b = append(b, ']')
	}
	b = appendUint(b, `,"sdes_ssrc":`, uint64(r.SDESSSRC))
	return append(b, '}')
}

func appendReportBlock(b []byte, rb *rtcpReport) []byte {
	b = appendUint(b, `{"source_ssrc":`, uint64(rb.SourceSSRC))
	b = appendUint(b, `,"fraction_lost":`, uint64(rb.FractionLost))
	b = appendInt(b, `,"packets_lost":`, int64(rb.PacketsLost))
	b = appendUint(b, `,"highest_seq_no":`, uint64(rb.HighestSeqNo))
	b = appendUint(b, `,"ia_jitter":`, uint64(rb.IAJitter))
	b = appendUint(b, `,"lsr":`, uint64(rb.LSR))
	b = appendUint(b, `,"dlsr":`, uint64(rb.DLSR))
	return append(b, '}')
}

// appendRTPAgent appends json.Marshal(*a)'s bytes, or fails as it does: on
// a NaN or infinite number.
func appendRTPAgent(b []byte, a *rtpAgentJSON) ([]byte, error) {
	b = append(b, `{"CORRELATION_ID":`...)
	b = appendString(b, a.CorrelationID)
	var err error
	if a.MOS != nil {
		b = append(b, `,"MOS":`...)
		if b, err = appendFloat(b, *a.MOS); err != nil {
			return b, err
		}
	}
	if a.RFactor != nil {
		b = append(b, `,"R_FACTOR":`...)
		if b, err = appendFloat(b, *a.RFactor); err != nil {
			return b, err
		}
	}
	b = append(b, `,"JITTER":`...)
	if b, err = appendFloat(b, a.Jitter); err != nil {
		return b, err
	}
	b = appendInt(b, `,"PACKET_LOSS":`, a.PacketLoss)
	b = append(b, `,"DELTA":`...)
	if b, err = appendFloat(b, a.Delta); err != nil {
		return b, err
	}
	b = appendUint(b, `,"TOTAL_PK":`, a.TotalPK)
	b = appendUint(b, `,"EXPECTED_PK":`, a.ExpectedPK)
	b = append(b, `,"RTT":`...)
	if b, err = appendFloat(b, a.RTT); err != nil {
		return b, err
	}
	b = append(b, `,"DIRECTION":`...)
	b = appendString(b, a.Direction)
	b = append(b, `,"MEDIA":`...)
	b = appendString(b, a.Media)
	b = append(b, `,"MID":`...)
	b = appendString(b, a.MID)
	if a.Codec != "" {
		b = append(b, `,"CODEC":`...)
		b = appendString(b, a.Codec)
	}
	if a.SessionID != 0 {
		b = appendUint(b, `,"SESSION_ID":`, a.SessionID)
	}
	b = appendUint(b, `,"HANDLE_ID":`, a.HandleID)
	return append(b, '}'), nil
}

// appendUint appends key, then v.
func appendUint(b []byte, key string, v uint64) []byte {
	return strconv.AppendUint(append(b, key...), v, 10)
}

// appendInt appends key, then v.
func appendInt(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(b, key...), v, 10)
}

// appendFloat appends f as encoding/json writes a float64: like %g, but
// in 'e' form only below 1e-6 or from 1e21 on, the exponent not padded. A
// NaN or an infinity is json.Marshal's error.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendString appends s as a JSON string, json.Marshal's bytes: copied
// as it is when it holds only printable ASCII that needs no escape (the
// case for every string of a QoS row Argus makes), else through
// json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
