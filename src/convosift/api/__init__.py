"""The HTTP API and dashboard: ``create_app(settings)`` builds the FastAPI application."""

from convosift.api.app import create_app

__all__ = ["create_app"]
