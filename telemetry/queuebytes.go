package telemetry

import "encoding/json"

// queuedEventBytes is what a queued event is estimated to hold beside its
// strings and raw JSON: the Event, its queue slot and a small typed body.
const queuedEventBytes = 512

// mediaReportQueueBytes is one stream's report in a combined media
// report (fixed fields and a few strings).
const mediaReportQueueBytes = 256

// minBudgetedBytes is the least estimate a queue's byte budget counts:
// smaller events, all but a few kinds, are bounded by the queue's count
// (2048 of them hold under 2 MiB) and skip the budget's atomic counter.
const minBudgetedBytes = 1024

// queueBytes estimates the memory a queued e holds, for a queue's byte
// budget (WithQueueBytes). It runs on the emit path, so it encodes
// nothing and allocates nothing: the bodies that can be large (a JSEP
// event's SDP, up to the SDP size limit; raw JSON of external and foreign
// events) count their length, the rest a fixed size.
func (e *Event) queueBytes() int {
	n := queuedEventBytes + len(e.Emitter) + len(e.OpaqueID)
	switch b := e.Body.(type) {
	case JSEPBody:
		n += b.queueBytes()
	case MediaReports:
		n += len(b) * mediaReportQueueBytes // one report per stream of the handle
	case ExternalBody:
		n += len(b.Schema) + len(b.Data)
	case json.RawMessage:
		n += len(b)
	case PluginBody:
		if raw, ok := b.Data.(json.RawMessage); ok {
			n += len(raw)
		}
	case TransportBody:
		if raw, ok := b.Data.(json.RawMessage); ok {
			n += len(raw)
		}
	}
	return n
}

// queueBytes is the length of b's strings, the SDP's mostly.
func (b JSEPBody) queueBytes() int { return len(b.Owner) + len(b.JSEP.Type) + len(b.JSEP.SDP) }
