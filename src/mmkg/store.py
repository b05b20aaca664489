"""The graph that serves: a validated build (plus any extra named graphs), held in Oxigraph in this process for
the REST API and linked data, and in the query workers for /sparql — or, with `--store sparql+http://…`, the build
`mmkg load --store` pushed into a SPARQL server, read through the protocol. Swapped whole, never edited in place."""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from mmkg.build import Build
from mmkg.errors import MmkgError, ParseFailure
from mmkg.executor import ExecutorClosed, QueryExecutor, QueryRequest, QueryResponse, open_data
from mmkg.failpoints import failpoint
from mmkg.graphstore import GraphStore
from mmkg.paths import cache_dir
from mmkg.query import graph_counts
from mmkg.remote import Manifest, RemoteExecutor, RemoteStore

_HASH_MARKER = "mmkg-content-hash"


@dataclass(frozen=True)
class ExtraGraph:
    """A file served as a named graph beside ours (parsed, not validated against the shapes)."""

    iri: str
    path: Path

    @classmethod
    def parse_option(cls, text: str) -> ExtraGraph:
        iri, sep, path = text.partition("=")
        if not sep or not iri or not path:
            raise MmkgError(f"--extra-graph expects IRI=FILE, got {text!r}")
        return cls(iri, Path(path))


class Executor(Protocol):
    """Runs /sparql requests within a time limit: worker processes (embedded) or the remote server."""

    def run(self, request: QueryRequest, *, timeout_s: float | None = None) -> QueryResponse: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ServedGraph:
    store: GraphStore
    content_hash: str
    triples: int
    graphs: dict[str, int]
    executor: Executor | None
    data_path: Path | None  # None: a remote store
    loaded_at: float = field(default_factory=time.time)  # when it was switched in (Unix time)


def add_extra_graphs(store: ox.Store, extras: list[ExtraGraph]) -> None:
    for extra in extras:
        fmt = ox.RdfFormat.from_extension(extra.path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
        try:
            store.load(path=extra.path, format=fmt, to_graph=ox.NamedNode(extra.iri))
        except (SyntaxError, OSError) as exc:
            raise ParseFailure(extra.path, str(exc)) from exc


def served_key(content_hash: str, extras: list[ExtraGraph]) -> str:
    """The content hash of what is served: the build's, plus the extra files' names and contents."""
    if not extras:
        return content_hash
    digest = hashlib.sha256()
    for extra in extras:
        digest.update(extra.iri.encode())
        digest.update(extra.path.read_bytes())
    return f"{content_hash}-extra-{digest.hexdigest()[:16]}"


def prepare_data(build: Build, extras: list[ExtraGraph], store_path: Path | None) -> tuple[ox.Store, Path, str]:
    """The dataset to serve and the path workers open it from: an N-Quads file, or an on-disk store."""
    if not build.report.conforms:
        raise ValueError("refusing to serve a build that does not conform")
    store = build.store
    key = served_key(build.content_hash, extras)
    if extras:
        add_extra_graphs(store, extras)
    if store_path is not None:
        # One folder per build: a reload writes the new build beside the one being read, never over it.
        folder = store_path / key[:16]
        marker = folder / _HASH_MARKER
        if not (marker.is_file() and marker.read_text() == key):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            disk = ox.Store(str(folder))
            disk.extend(store)
            disk.flush()
            del disk
            gc.collect()  # release the write lock before read-only opens
            marker.write_text(key)
        return ox.Store.read_only(str(folder)), folder, key
    data = cache_dir() / f"{build.content_hash}.nq"
    if extras or not data.is_file():
        fd, name = tempfile.mkstemp(prefix="mmkg-serve-", suffix=".nq")
        os.close(fd)
        data = Path(name)
        store.dump(output=data, format=ox.RdfFormat.N_QUADS)
    return store, data, key


class GraphHolder:
    """Holds the graph being served. Only a valid build can be put in; readers always see a whole graph."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: ServedGraph | None = None

    def publish(self, build: Build, *, extras: list[ExtraGraph] | None = None, store_path: Path | None = None,
                workers: int = 0, timeout_s: float = 10.0) -> ServedGraph:
        """Prepare the build for serving (data file or on-disk store, query workers), then switch it in. If
        anything fails before the switch, what was being served stays, and the half-made executor is stopped."""
        store, data_path, key = prepare_data(build, extras or [], store_path)
        executor = QueryExecutor(data_path, workers=workers, timeout_s=timeout_s) if workers else None
        try:
            served = ServedGraph(store, key, len(store), graph_counts(store), executor, data_path)
            failpoint("publish-before-swap")
        except BaseException:
            if executor is not None:
                executor.close()
            raise
        previous = self._swap(served)
        if store_path is not None:
            _remove_stale_folders(store_path, keep={data_path, previous.data_path if previous else None})
        return served

    def publish_remote(self, store: RemoteStore, manifest: Manifest, *, workers: int = 3) -> ServedGraph:
        """Serve what a SPARQL server holds, as its manifest describes it; at most `workers` queries in flight."""
        executor = RemoteExecutor(store, workers=max(1, workers))
        served = ServedGraph(store, manifest.content_hash, sum(manifest.graphs.values()), dict(manifest.graphs),
                             executor, None)
        self._swap(served)
        return served

    def _swap(self, served: ServedGraph) -> ServedGraph | None:
        """Switch `served` in; the previous graph's workers finish the queries they hold, then stop."""
        with self._lock:
            previous, self._current = self._current, served
        if previous is not None and previous.executor is not None:
            previous.executor.close()
        return previous

    def run(self, request: QueryRequest) -> QueryResponse:
        """Run a /sparql query on the graph being served. A request that reached the previous graph's executor
        just as a reload closed it is run again on the new one: a reload never fails a request."""
        for _ in range(3):
            served = self._current
            if served is None or served.executor is None:
                raise ExecutorClosed("the graph is not loaded yet")
            try:
                return served.executor.run(request)
            except ExecutorClosed:
                continue
        raise ExecutorClosed("the graph was replaced three times during one request; try again")

    @property
    def current(self) -> ServedGraph | None:
        return self._current

    def close(self) -> None:
        with self._lock:
            served, self._current = self._current, None
        if served is not None and served.executor is not None:
            served.executor.close()


def _remove_stale_folders(store_path: Path, keep: set[Path | None]) -> None:
    """Builds on disk that nothing serves any more (older than the one just replaced, which may still be
    finishing queries)."""
    for folder in store_path.iterdir():
        if folder.is_dir() and (folder / _HASH_MARKER).is_file() and folder not in keep:
            shutil.rmtree(folder, ignore_errors=True)


__all__ = ["ExtraGraph", "GraphHolder", "ServedGraph", "open_data"]
