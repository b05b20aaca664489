"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from mmkg import __version__
from mmkg.api import ask, external, health, linked_data, rest, sparql, ui, wellknown
from mmkg.executor import QueryFailed, QueryTimeout
from mmkg.remote import StoreUnavailable
from mmkg.settings import Settings
from mmkg.store import GraphHolder


def create_app(settings: Settings, graphs: GraphHolder) -> FastAPI:
    app = FastAPI(
        title="mmkg",
        version=__version__,
        description="Evidence for multiple myeloma progressing after frontline lenalidomide: "
        "validated knowledge graph with data gaps and citations. SPARQL 1.1 at /sparql (read-only).",
    )
    app.state.settings = settings
    app.state.graphs = graphs
    # Reads only: every route is GET, or POST of a read-only query; no credentials are involved.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type"], expose_headers=["X-Query-Time-Ms"])
    # A remote store can fail under any route: say which upstream failed and how, never a bare 500.
    statuses: dict[type[Exception], int] = {StoreUnavailable: 503, QueryTimeout: 504, QueryFailed: 502}
    for error, status in statuses.items():
        app.add_exception_handler(error, _status_handler(status))
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(wellknown.router)
    app.include_router(rest.router)
    app.include_router(external.router)
    app.include_router(linked_data.router)
    app.include_router(ask.router)
    app.include_router(ui.router)
    app.mount("/static", ui.static_files(), name="static")
    return app


def _status_handler(status: int) -> Callable[[Request, Exception], JSONResponse]:
    def handle(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handle
