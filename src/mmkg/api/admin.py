"""Operator routes, behind the admin token: reload the graph from its files (validated first)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from mmkg.auth import require_admin
from mmkg.reload import ReloadBusy, Reloader

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses={401: {"description": "no admin token sent"},
                              403: {"description": "wrong token, or admin routes disabled"}})


def _reloader(request: Request) -> Reloader:
    reloader: Reloader = request.app.state.reloader
    return reloader


@router.post("/reload", summary="Build, validate and switch in the graph from its files",
             responses={409: {"description": "a reload is already running"},
                        422: {"description": "the new build was refused (invalid, parse error, crash); "
                                             "the previous graph is still served; the body holds the report"}})
def reload(request: Request) -> JSONResponse:
    try:
        result = _reloader(request).reload()
    except ReloadBusy as exc:
        return JSONResponse({"detail": str(exc)}, status_code=409)
    return JSONResponse(result.as_dict(), status_code=200 if result.ok else 422)


@router.get("/reload", summary="How the last reload went, with its report",
            responses={404: {"description": "no reload since the server started"}})
def last_reload(request: Request) -> JSONResponse:
    last = _reloader(request).last
    if last is None:
        return JSONResponse({"detail": "no reload since the server started"}, status_code=404)
    return JSONResponse(last.as_dict())
