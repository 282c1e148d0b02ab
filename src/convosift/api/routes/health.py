"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from convosift.api.context import AppContext, get_context

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(context: AppContext = Depends(get_context)) -> dict[str, str]:
    """``ok`` once the database answers (it is opened and migrated on the first call)."""
    context.store()
    return {"status": "ok"}
