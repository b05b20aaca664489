"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from mmkg import __version__
from mmkg.access_log import AccessLog
from mmkg.api import admin, ask, external, graph_store, health, linked_data, rest, sparql, ui, wellknown
from mmkg.executor import QueryFailed, QueryTimeout
from mmkg.query_parser import QueryParser
from mmkg.reload import Reloader
from mmkg.remote import StoreUnavailable
from mmkg.request_limits import RequestLimits
from mmkg.settings import Settings
from mmkg.store import GraphHolder

log = logging.getLogger("mmkg.server")


def create_app(settings: Settings, graphs: GraphHolder) -> FastAPI:
    app = FastAPI(
        title="mmkg",
        version=__version__,
        description="Evidence for multiple myeloma progressing after frontline lenalidomide: "
        "validated knowledge graph with data gaps and citations. SPARQL 1.1 at /sparql (read-only).",
    )
    app.state.settings = settings
    app.state.graphs = graphs
    app.state.reloader = Reloader(settings, graphs)
    app.state.parser = QueryParser(timeout_s=min(5.0, settings.query_timeout_s))
    # Reads only, from any origin: GET, and POST of a read-only query or question. Authorization is not an allowed
    # header and credentials are not allowed, so no web page can drive the admin routes from a browser.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type"], expose_headers=["X-Query-Time-Ms"])
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes, max_url_bytes=settings.max_url_bytes)
    app.add_middleware(AccessLog)  # outermost: refusals by the limits are logged too
    # A remote store can fail under any route: say which upstream failed and how, never a bare 500.
    statuses: dict[type[Exception], int] = {StoreUnavailable: 503, QueryTimeout: 504, QueryFailed: 502}
    for error, status in statuses.items():
        app.add_exception_handler(error, _status_handler(status))
    app.add_exception_handler(Exception, _unexpected)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(sparql.router)
    app.include_router(graph_store.router)
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


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug, not bad input: the traceback goes to the log for us, the client gets a plain message, never the trace.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc,
              extra={"fields": {"event": "error", "path": request.url.path}})
    return JSONResponse({"detail": "internal error while answering this request; it has been logged"},
                        status_code=500)
