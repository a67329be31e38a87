package homer

import "github.com/prometheus/client_golang/prometheus"

// sinkMetric is one scrape-time metric read from Stats.
type sinkMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) uint64
}

// metrics are the sink's /metrics series (docs/OBSERVABILITY.md). Written
// means handed to the socket: over TCP/TLS not proof of storage.
var metrics = func() []sinkMetric { //nolint:gochecknoglobals // a constant table, built once
	c := func(name, help string, f func(Stats) uint64) sinkMetric {
		return sinkMetric{prometheus.NewDesc(name, help, nil, nil), prometheus.CounterValue, f}
	}
	return []sinkMetric{
		c("argus_hep_packets_written_total", "HEP packets written to the socket (TCP/TLS: accepted by the kernel, not confirmed stored).",
			func(s Stats) uint64 { return s.Packets }),
		c("argus_hep_bytes_written_total", "Bytes of the HEP packets written.", func(s Stats) uint64 { return s.Bytes }),
		c("argus_hep_writes_total", "System calls that wrote HEP packets (UDP: sendmmsg of up to 64 datagrams; TCP/TLS: one write per batch).",
			func(s Stats) uint64 { return s.Writes }),
		c("argus_hep_packets_dropped_total", "HEP packets not written: connect or write failure, reconnect backoff, deadline.",
			func(s Stats) uint64 { return s.Dropped }),
		c("argus_hep_write_errors_total", "Failed HEP writes, timeouts included.", func(s Stats) uint64 { return s.WriteErrors }),
		c("argus_hep_write_timeouts_total", "HEP writes that hit the write deadline.", func(s Stats) uint64 { return s.WriteTimeouts }),
		c("argus_hep_connects_total", "Successful HEP connects (UDP: the socket).", func(s Stats) uint64 { return s.Connects }),
		c("argus_hep_reconnects_total", "TCP/TLS HEP connects after the first.", func(s Stats) uint64 { return s.Reconnects }),
		c("argus_hep_dial_errors_total", "Failed TCP/TLS HEP connects.", func(s Stats) uint64 { return s.DialErrors }),
		c("argus_hep_connections_lost_total", "TCP/TLS HEP connections closed by the peer or failed on a write; packets written just before may be lost.",
			func(s Stats) uint64 { return s.ConnectionsLost }),
		c("argus_hep_truncated_total", "HEP LOG payloads shrunk to fit 65507 bytes.", func(s Stats) uint64 { return s.Truncated }),
		c("argus_hep_encode_errors_total", "Events the HEP sink could not map or encode.", func(s Stats) uint64 { return s.EncodeErrors }),
		{prometheus.NewDesc("argus_hep_handles", "Handles in the HEP sink's bounded state table.", nil, nil),
			prometheus.GaugeValue, func(s Stats) uint64 { return s.Handles }},
	}
}()

// Describe implements prometheus.Collector.
func (s *Sink) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metrics {
		ch <- m.desc
	}
}

// Collect implements prometheus.Collector: the Stats at scrape time.
func (s *Sink) Collect(ch chan<- prometheus.Metric) {
	st := s.Stats()
	for _, m := range metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.value(st)))
	}
}

var _ prometheus.Collector = (*Sink)(nil)
