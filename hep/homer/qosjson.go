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
	b = append(b, `{"sender_information":{"ntp_timestamp_sec":`...)
	b = strconv.AppendUint(b, uint64(si.NTPTimestampSec), 10)
	b = append(b, `,"ntp_timestamp_usec":`...)
	b = strconv.AppendUint(b, uint64(si.NTPTimestampUsec), 10)
	b = append(b, `,"rtp_timestamp":`...)
	b = strconv.AppendUint(b, uint64(si.RTPTimestamp), 10)
	b = append(b, `,"packets":`...)
	b = strconv.AppendUint(b, uint64(si.Packets), 10)
	b = append(b, `,"octets":`...)
	b = strconv.AppendUint(b, uint64(si.Octets), 10)
	b = append(b, `},"ssrc":`...)
	b = strconv.AppendUint(b, uint64(r.SSRC), 10)
	b = append(b, `,"type":`...)
	b = strconv.AppendInt(b, int64(r.Type), 10)
	b = append(b, `,"report_count":`...)
	b = strconv.AppendInt(b, int64(r.ReportCount), 10)
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
	b = append(b, `,"sdes_ssrc":`...)
	b = strconv.AppendUint(b, uint64(r.SDESSSRC), 10)
	return append(b, '}')
}

func appendReportBlock(b []byte, rb *rtcpReport) []byte {
	b = append(b, `{"source_ssrc":`...)
	b = strconv.AppendUint(b, uint64(rb.SourceSSRC), 10)
	b = append(b, `,"fraction_lost":`...)
	b = strconv.AppendUint(b, uint64(rb.FractionLost), 10)
	b = append(b, `,"packets_lost":`...)
	b = strconv.AppendInt(b, int64(rb.PacketsLost), 10)
	b = append(b, `,"highest_seq_no":`...)
	b = strconv.AppendUint(b, uint64(rb.HighestSeqNo), 10)
	b = append(b, `,"ia_jitter":`...)
	b = strconv.AppendUint(b, uint64(rb.IAJitter), 10)
	b = append(b, `,"lsr":`...)
	b = strconv.AppendUint(b, uint64(rb.LSR), 10)
	b = append(b, `,"dlsr":`...)
	b = strconv.AppendUint(b, uint64(rb.DLSR), 10)
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
	b = append(b, `,"PACKET_LOSS":`...)
	b = strconv.AppendInt(b, a.PacketLoss, 10)
	b = append(b, `,"DELTA":`...)
	if b, err = appendFloat(b, a.Delta); err != nil {
		return b, err
	}
	b = append(b, `,"TOTAL_PK":`...)
	b = strconv.AppendUint(b, a.TotalPK, 10)
	b = append(b, `,"EXPECTED_PK":`...)
	b = strconv.AppendUint(b, a.ExpectedPK, 10)
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
		b = append(b, `,"SESSION_ID":`...)
		b = strconv.AppendUint(b, a.SessionID, 10)
	}
	b = append(b, `,"HANDLE_ID":`...)
	b = strconv.AppendUint(b, a.HandleID, 10)
	return append(b, '}'), nil
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
