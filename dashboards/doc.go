// Package dashboards holds the deployable observability assets of Argus
// (Grafana dashboards and provisioning, Prometheus configuration and alert
// rules, the OpenTelemetry Collector and Homer settings used by
// docker-compose.homer.yml; see docs/STACK.md) and the Go helpers that read
// them. Its tests validate every asset and run every dashboard and alert
// query against a real Prometheus scraping an in-process Argus.
package dashboards
