"""What every route needs from the app: the graph being served, or 503 while there is none."""

from __future__ import annotations

from fastapi import HTTPException, Request

from mmkg.graphstore import GraphStore
from mmkg.store import ServedGraph


def served_graph(request: Request) -> ServedGraph:
    served = request.app.state.graphs.current
    if served is None:
        raise HTTPException(503, "the graph is not loaded yet")
    return served


def served_store(request: Request) -> GraphStore:
    return served_graph(request).store
