"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from mmkg import __version__
from mmkg.api import health
from mmkg.settings import Settings
from mmkg.store import GraphHolder


def create_app(settings: Settings, graphs: GraphHolder) -> FastAPI:
    app = FastAPI(
        title="mmkg",
        version=__version__,
        description="Evidence for multiple myeloma progressing after frontline lenalidomide: "
        "validated knowledge graph with data gaps and citations.",
    )
    app.state.settings = settings
    app.state.graphs = graphs
    app.include_router(health.router)
    return app
