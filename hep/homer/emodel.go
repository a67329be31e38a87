package homer

import "math"

// E-model constants (ITU-T G.107, simplified as in Cole & Rosenbluth, "Voice
// over IP Performance Monitoring", ACM SIGCOMM CCR 31(2), 2001).
const (
	// eR0 is the default basic signal-to-noise ratio R0 − Is of G.107 with all
	// other factors at their defaults.
	eR0 = 93.2
	// eJitterBufferFactor: a jitter buffer sized at twice the interarrival
	// jitter adds that much one-way delay.
	eJitterBufferFactor = 2.0
	// eCodecDelayMs approximates packetisation plus codec look-ahead.
	eCodecDelayMs = 10.0
	// eIe and eBpl are the equipment impairment and packet-loss robustness of
	// G.711 with packet-loss concealment (G.113 Appendix I: Ie 0, Bpl 25.1);
	// media reports do not tell the codec's G.113 values, so every codec is
	// rated like G.711 + PLC.
	eIe  = 0.0
	eBpl = 25.1
)

// eModel returns the R factor and MOS for one stream from its loss fraction
// (0..1), interarrival jitter (ms) and round-trip time (ms):
//
//	d      = RTT/2 + 2·jitter + 10                         one-way delay, ms
//	Id     = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)       delay impairment
//	Ppl    = 100·loss                                      packet loss, %
//	Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl + Bpl)                loss impairment
//	R      = 93.2 − Id − Ie,eff
//	MOS    = 1                                   if R ≤ 0
//	       = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)   if 0 < R < 100
//	       = 4.5                                 if R ≥ 100
//
// H is the Heaviside step function. Perfect conditions give R 93.0, MOS 4.41.
func eModel(loss, jitterMs, rttMs float64) (r, mos float64) {
	loss = clamp(loss, 0, 1)
	jitterMs, rttMs = math.Max(jitterMs, 0), math.Max(rttMs, 0)
	d := rttMs/2 + eJitterBufferFactor*jitterMs + eCodecDelayMs
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	ppl := 100 * loss
	ie := eIe + (95-eIe)*ppl/(ppl+eBpl)
	r = eR0 - id - ie
	switch {
	case r <= 0:
		mos = 1
	case r >= 100:
		mos = 4.5
	default:
		mos = 1 + 0.035*r + 7e-6*r*(r-60)*(100-r)
	}
	return math.Round(r*100) / 100, math.Round(mos*100) / 100
}

func clamp(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Min(math.Max(v, lo), hi)
}
