package telemetry

import (
	"encoding/json"
	"net/netip"
)

// SessionBody is a type 1 event: "created" (with the transport the
// session was created over), "destroyed" or "timeout".
type SessionBody struct {
	Name      string            `json:"name"`
	Transport *SessionTransport `json:"transport,omitempty"`
}

// SessionTransport names the connection a session was created over; ID is
// the "id" of that connection's type 128 events.
type SessionTransport struct {
	Transport string `json:"transport"`
	ID        string `json:"id"`
}

// HandleBody is a type 2 event: "attached" or "detached". OpaqueID repeats
// the header's opaque_id, as Janus does.
type HandleBody struct {
	Name     string `json:"name"`
	Plugin   string `json:"plugin"`
	OpaqueID string `json:"opaque_id,omitempty"`
	Token    string `json:"token,omitempty"`
}

// ExternalBody is a type 4 event of a schema no package registered
// (RegisterExternal): an Admin API custom_event, for one. Data is kept as
// it came.
type ExternalBody struct {
	Schema string          `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// TransportBody is a type 128 event.
type TransportBody struct {
	Transport string `json:"transport"`
	ID        string `json:"id"`
	// Data is a TransportData for Argus's transports (and once decoded
	// from the wire when it has that shape), else raw JSON.
	Data any `json:"data"`
	// Remote is the client's transport address and Local the gateway
	// socket that accepted the connection. They are not part of the Janus
	// JSON; exporters that draw network flows (HEP) read them.
	Remote netip.AddrPort `json:"-"`
	Local  netip.AddrPort `json:"-"`
}

// TransportData is the data of a transport event: "request" (HTTP),
// "connected" or "disconnected" (WebSocket, Unix socket), "connected" and,
// on MQTT, "reconnecting" (brokers, as Janus 1.1.2's). Each transport
// fills the keys Janus's module of that kind sends.
type TransportData struct {
	Event    string `json:"event"`
	AdminAPI *bool  `json:"admin_api,omitempty"`
	IP       string `json:"ip,omitempty"`
	Port     int    `json:"port,omitempty"`
	Path     string `json:"path,omitempty"`   // Unix socket
	Broker   string `json:"broker,omitempty"` // broker host:port
	Type     string `json:"type,omitempty"`   // Unix socket type, SOCK_DGRAM only (as Janus)
}

// CoreStatusBody is a type 256 subtype 1 event: "started" with the
// server_info object, or the periodic "update" with a CoreCounts.
type CoreStatusBody struct {
	Status string          `json:"status"`
	Info   json.RawMessage `json:"info"`
}

// CoreCounts is the info of a core "update" event.
type CoreCounts struct {
	Sessions        int `json:"sessions"`
	Handles         int `json:"handles"`
	PeerConnections int `json:"peerconnections"`
	StatsPeriod     int `json:"stats-period"`
}

// CoreShutdownBody is a type 256 subtype 2 event.
type CoreShutdownBody struct {
	Status string `json:"status"`
	Signum int64  `json:"signum"`
}
