"""Operator routes, behind the admin token: reload the graph from its files (validated first)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from mmkg.api.responses import errors, refuse_other_methods
from mmkg.auth import require_admin
from mmkg.reload import ReloadBusy, Reloader

# The token is checked per route, not on the router: a router dependency would also guard the 405 answers for
# other methods, turning them into 401s.
_ADMIN = [Depends(require_admin)]
router = APIRouter(prefix="/admin", tags=["admin"],
                   responses=errors({401: "no admin token sent", 403: "wrong token, or admin routes disabled"}))


def _reloader(request: Request) -> Reloader:
    reloader: Reloader = request.app.state.reloader
    return reloader


@router.post("/reload", dependencies=_ADMIN, summary="Build, validate and switch in the graph from its files",
             responses={**errors({409: "a reload is already running"}),
                        422: {"description": "the new build was refused (invalid, parse error, crash); the previous "
                                             "graph is still served; the body holds the outcome and the report"}})
def reload(request: Request) -> JSONResponse:
    try:
        result = _reloader(request).reload()
    except ReloadBusy as exc:
        return JSONResponse({"detail": str(exc)}, status_code=409)
    return JSONResponse(result.as_dict(), status_code=200 if result.ok else 422)


@router.get("/reload", dependencies=_ADMIN, summary="How the last reload went, with its report",
            responses={404: {"description": "no reload since the server started"}})
def last_reload(request: Request) -> JSONResponse:
    last = _reloader(request).last
    if last is None:
        return JSONResponse({"detail": "no reload since the server started"}, status_code=404)
    return JSONResponse(last.as_dict())


refuse_other_methods(router)
