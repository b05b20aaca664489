"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> dict[str, object]:
    """200 once the validated graph is loaded."""
    served = request.app.state.graphs.current
    if served is None:
        raise HTTPException(status_code=503, detail="graph not loaded yet")
    return {"status": "ok", "triples": served.triples, "content_hash": served.content_hash}
