"""Liveness (/health: the process answers) and readiness (/ready: a validated graph is being served)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])

_STARTED = time.time()


@router.get("/health", summary="Liveness: the server process is up and answering")
def health() -> dict[str, object]:
    return {"status": "ok", "uptime_s": round(time.time() - _STARTED, 1)}


@router.get("/ready", summary="Readiness: the validated graph being served, its content hash and triple counts",
            responses={503: {"description": "no graph is being served yet"}})
def ready(request: Request) -> JSONResponse:
    served = request.app.state.graphs.current
    reloader = request.app.state.reloader
    last = reloader.last.as_dict(with_report=False) if reloader.last else None
    if served is None:
        return JSONResponse({"status": "not ready", "detail": "no graph is being served yet"}, status_code=503)
    return JSONResponse({
        "status": "ready",
        "validated": True,  # only a build that conforms to the shapes can be switched in (GraphHolder.publish)
        "content_hash": served.content_hash,
        "triples": served.triples,
        "graphs": served.graphs,
        "store": "embedded" if served.data_path is not None else "remote",
        "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(served.loaded_at)),
        "reloading": reloader.running,
        "last_reload": last,
    })
