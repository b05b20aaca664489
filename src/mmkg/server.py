"""`mmkg serve`: build (or reuse the cached valid build), then serve it with uvicorn."""

from __future__ import annotations

import sys
import time

import uvicorn

from mmkg.app import create_app
from mmkg.build import build
from mmkg.settings import Settings
from mmkg.store import GraphHolder


def serve(*, host: str = "127.0.0.1", port: int = 8000) -> None:
    settings = Settings(host=host, port=port)
    started = time.perf_counter()
    result = build()  # raises BuildInvalid: an invalid graph is never served
    graphs = GraphHolder()
    served = graphs.publish(result)
    origin = "cached build" if result.from_cache else "fresh build"
    print(
        f"mmkg: {served.triples} triples ({origin}, {time.perf_counter() - started:.1f} s); "
        f"serving at {settings.url}",
        file=sys.stderr,
        flush=True,
    )
    print(settings.url, flush=True)
    uvicorn.run(create_app(settings, graphs), host=host, port=port, log_level="warning")
