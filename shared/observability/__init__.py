"""Operating a service: Prometheus metrics, OpenTelemetry traces, access logs, status."""
