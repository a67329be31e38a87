package wire

import (
	"net/netip"
	"strconv"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// EmitTransport emits a type 128 event {"transport":pkg,"id":"<ConnID>","data":data}
// (janus-reference.md 4.4). A nil emitter is a no-op.
func EmitTransport(em telemetry.Emitter, server string, info core.TransportInfo, data telemetry.TransportData) {
	if em == nil {
		return
	}
	em.Emit(&telemetry.Event{
		Emitter:   server,
		Type:      telemetry.TypeTransport,
		Timestamp: telemetry.Now(),
		Body: telemetry.TransportBody{
			Transport: info.Package,
			ID:        strconv.FormatUint(info.ConnID, 10),
			Data:      data,
			Remote:    addrPort(info.RemoteIP, info.RemotePort),
			Local:     addrPort(info.LocalIP, info.LocalPort),
		},
	})
}

// addrPort parses an ip and port of TransportInfo; zero when ip is not an
// IP address.
func addrPort(ip string, port int) netip.AddrPort {
	a, err := netip.ParseAddr(ip)
	if err != nil || port < 0 || port > 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port))
}
