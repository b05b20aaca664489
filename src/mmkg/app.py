"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from mmkg import __version__
from mmkg.api import ask, external, health, linked_data, rest, sparql, wellknown
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
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(wellknown.router)
    app.include_router(rest.router)
    app.include_router(external.router)
    app.include_router(linked_data.router)
    app.include_router(ask.router)
    return app
