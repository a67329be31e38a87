package wire

// Janus error codes a transport raises itself (janus-reference.md 1.9).
const (
	CodeTransportSpecific = 450
	CodeInvalidJSON       = 454
)

// errorBody is the "error" member of a Janus error message.
type errorBody struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// errorMsg is a Janus error with neither session_id nor transaction: the
// transport raises it before any request was understood (janus-reference.md 1.1).
type errorMsg struct {
	Janus string    `json:"janus"`
	Error errorBody `json:"error"`
}

// ErrorJSON renders {"janus":"error","error":{"code":code,"reason":reason}}.
func ErrorJSON(code int, reason string) []byte {
	b, err := marshal(errorMsg{Janus: "error", Error: errorBody{Code: code, Reason: reason}})
	if err != nil {
		return []byte(`{"janus":"error","error":{"code":490,"reason":"Unknown error"}}`)
	}
	return b
}

// Keepalive is the long poll's answer when nothing happened (janus-reference.md 1.4).
const Keepalive = `{"janus":"keepalive"}`
