"""Health endpoints for load balancers and orchestrators: ``/healthz`` (liveness) and ``/readyz`` (readiness)."""
