package testpeer

import pion "github.com/pion/webrtc/v4"

// DataReplies makes the data channel (Config.DataChannel) deliver whole
// messages, text and binary apart, on the returned channel (a backlog of
// 16; more are dropped). From then on DataMessages yields nothing.
func (p *Peer) DataReplies() <-chan pion.DataChannelMessage {
	ch := make(chan pion.DataChannelMessage, maxDCMessages)
	if p.DC == nil {
		return ch
	}
	p.DC.OnMessage(func(m pion.DataChannelMessage) {
		select {
		case ch <- m:
		default:
		}
	})
	return ch
}
