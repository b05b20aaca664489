"""The embedded store that serves: an Oxigraph store holding one validated build, swapped whole on reload."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyoxigraph as ox

from mmkg.build import Build, stats


@dataclass(frozen=True)
class ServedGraph:
    store: ox.Store
    content_hash: str
    triples: int
    graphs: dict[str, int]


class GraphHolder:
    """Holds the graph being served. Only a valid build can be put in; readers always see a whole graph."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: ServedGraph | None = None

    def publish(self, build: Build) -> ServedGraph:
        if not build.report.conforms:
            raise ValueError("refusing to serve a build that does not conform")
        served = ServedGraph(build.store, build.content_hash, build.triples, stats(build.store)["graphs"])
        with self._lock:
            self._current = served
        return served

    @property
    def current(self) -> ServedGraph | None:
        return self._current
