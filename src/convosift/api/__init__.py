"""The HTTP API and dashboard."""
