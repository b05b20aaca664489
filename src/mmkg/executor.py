"""Run SPARQL queries in worker processes so that a runaway query can be stopped.

Oxigraph cannot cancel a query from Python, and a thread stuck in a query holds its thread until the query ends.
So queries run in a small pool of worker processes, each holding its own copy of the served graph; a query that
exceeds its time limit has its worker killed and replaced, while the other workers keep answering. Results are
serialised in the worker, capped at a maximum number of rows, and sent back as bytes.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mmkg.errors import MmkgError
from mmkg.graphstore import GraphStore
from mmkg.query import FederationRefused, UpdateRefused, check_federation, query_form


class QueryTimeout(MmkgError):
    pass


class ResultTooLarge(MmkgError):
    pass


class QueryFailed(MmkgError):
    """The engine raised while evaluating (not a syntax error: those are caught before dispatch)."""


class Overloaded(MmkgError):
    pass


class ExecutorClosed(MmkgError):
    """The graph this executor served was replaced (a reload); run the query on the current one."""


@dataclass(frozen=True)
class QueryRequest:
    query: str
    kind: str  # "solutions" | "boolean" | "graph"
    results_format: str  # media type understood by pyoxigraph (QueryResultsFormat or RdfFormat)
    default_graph: list[str] = field(default_factory=list)  # empty: union of all graphs
    named_graphs: list[str] | None = None
    max_rows: int = 10_000
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the endpoint URL)
    federation_allow: tuple[str, ...] = ()  # SERVICE endpoints this query may reach


@dataclass(frozen=True)
class FormRequest:
    """Parse only: which form the query has (see query.query_form). Parsing user text happens here, in a worker,
    because Oxigraph's parser recurses: a deeply nested query overflows the stack and takes its process down."""

    query: str
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryResponse:
    body: bytes
    rows: int
    elapsed_s: float


# ---------------------------------------------------------------- worker side


MAX_ANSWER_BYTES = 64 * 1024 * 1024


class _BoundedSink:
    """A write target that refuses to grow past a size, so a huge answer fails instead of exhausting memory."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self.limit:
            raise ResultTooLarge(f"the answer is larger than {self.limit // (1024 * 1024)} MiB; add LIMIT/OFFSET")
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _solutions_bytes(solutions: ox.QuerySolutions, fmt: ox.QueryResultsFormat, max_rows: int) -> tuple[bytes, int]:
    """Serialise in Oxigraph (not row by row in Python): first as TSV, which is lossless and has one line per
    row, so the row cap is a line count; then, if another format was asked for, TSV -> that format, also in Rust.
    More rows than the cap is an error rather than a silently truncated answer."""
    sink = _BoundedSink(MAX_ANSWER_BYTES)
    solutions.serialize(output=sink, format=ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]  # any .write()
    tsv = sink.getvalue()
    rows = tsv.count(b"\n") - 1  # the header line, then one line per row (TSV escapes newlines in literals)
    if rows > max_rows:
        raise ResultTooLarge(f"the query returns more than {max_rows} rows (the result cap); "
                             "add LIMIT/OFFSET to page through the results")
    if fmt == ox.QueryResultsFormat.TSV:
        return tsv, rows
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return parsed.serialize(format=fmt) or b"", rows


def _graph_bytes(triples: Iterable[ox.Triple], fmt: ox.RdfFormat, max_rows: int) -> tuple[bytes, int]:
    collected: list[ox.Triple] = []
    for t in triples:
        if len(collected) >= max_rows:
            raise ResultTooLarge(f"the query returns more than {max_rows} triples (the result cap)")
        collected.append(t)
    return ox.serialize(collected, format=fmt) or b"", len(collected)


# A FROM / FROM NAMED clause: the query names its own dataset, which the union default must not override.
_DATASET_CLAUSE = re.compile(r"\bFROM\s+(?:NAMED\s+)?(?:<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)


def execute(store: GraphStore, request: QueryRequest) -> QueryResponse:
    started = time.perf_counter()
    try:
        check_federation(request.query, request.federation_allow)  # also here: whatever the caller checked
    except FederationRefused as exc:
        raise QueryFailed(str(exc)) from None
    kwargs: dict[str, Any] = {}
    if request.default_graph:  # the protocol's dataset wins over the query's (SPARQL 1.1 Protocol 2.1.4)
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graph]
    elif not request.named_graphs and not _DATASET_CLAUSE.search(request.query):
        kwargs["use_default_graph_as_union"] = True
    if request.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    result = store.query(request.query, base_iri=request.base_iri, **kwargs)
    if isinstance(result, ox.QuerySolutions):
        fmt = ox.QueryResultsFormat.from_media_type(request.results_format)
        assert fmt is not None
        body, rows = _solutions_bytes(result, fmt, request.max_rows)
    elif isinstance(result, ox.QueryBoolean):
        fmt = ox.QueryResultsFormat.from_media_type(request.results_format)
        assert fmt is not None
        body, rows = result.serialize(format=fmt) or b"", 1
    else:
        rdf = ox.RdfFormat.from_media_type(request.results_format)
        assert rdf is not None
        body, rows = _graph_bytes(result, rdf, request.max_rows)
    return QueryResponse(body, rows, time.perf_counter() - started)


def open_data(data_path: str) -> ox.Store:
    """An N-Quads file is loaded into memory; a directory is an on-disk Oxigraph store, opened read-only."""
    if Path(data_path).is_dir():
        return ox.Store.read_only(data_path)
    store = ox.Store()
    store.load(path=data_path, format=ox.RdfFormat.N_QUADS)
    return store


def _worker_main(data_path: str, conn: Connection) -> None:
    store = open_data(data_path)
    conn.send(("ready", len(store)))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        if isinstance(request, FormRequest):
            try:
                conn.send(("ok", query_form.__wrapped__(request.query, request.base_iri)))  # the parser caches
            except UpdateRefused as exc:
                conn.send(("update", str(exc)))
            except SyntaxError as exc:
                conn.send(("syntax", str(exc)))
            continue
        try:
            conn.send(("ok", execute(store, request)))
        except ResultTooLarge as exc:
            conn.send(("too-large", str(exc)))
        except (SyntaxError, ValueError, OSError, RuntimeError, QueryFailed) as exc:
            conn.send(("failed", str(exc)))


# ---------------------------------------------------------------- server side


class _Worker:
    def __init__(self, ctx: Any, data_path: Path) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(str(data_path), child), daemon=True)
        self.process.start()
        child.close()
        status, _ = self.conn.recv()
        assert status == "ready"

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.kill()


class QueryExecutor:
    """A pool of worker processes over one graph file (N-Quads). Thread-safe; call from request threads."""

    def __init__(self, data_path: Path, *, workers: int = 3, timeout_s: float = 10.0,
                 max_wait_s: float | None = None) -> None:
        self._ctx = mp.get_context("spawn")  # no forked copies of the server's threads or sockets
        self._data_path = data_path
        self.timeout_s = timeout_s
        self._max_wait_s = timeout_s if max_wait_s is None else max_wait_s
        self._idle: queue.Queue[_Worker | None] = queue.Queue()  # None: closed
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._idle.put(_Worker(self._ctx, data_path))

    def run(self, request: QueryRequest, *, timeout_s: float | None = None) -> QueryResponse:
        status, payload = self._call(request, self.timeout_s if timeout_s is None else timeout_s)
        if status == "ok":
            assert isinstance(payload, QueryResponse)
            return payload
        if status == "too-large":
            raise ResultTooLarge(payload)
        raise QueryFailed(payload)

    def form(self, request: FormRequest, *, timeout_s: float | None = None) -> str:
        """'solutions', 'boolean' or 'graph'; UpdateRefused or SyntaxError as query.query_form raises them."""
        status, payload = self._call(request, self.timeout_s if timeout_s is None else timeout_s)
        if status == "ok":
            return str(payload)
        if status == "update":
            raise UpdateRefused(payload)
        raise SyntaxError(payload)

    def _call(self, request: QueryRequest | FormRequest, limit: float) -> tuple[str, Any]:
        if self._closed:
            raise ExecutorClosed("this graph was replaced")
        try:
            worker = self._idle.get(timeout=self._max_wait_s)
        except queue.Empty:
            raise Overloaded("all query workers are busy; try again shortly") from None
        if worker is None:  # closed while this request waited: pass the news on to the next waiter
            self._idle.put(None)
            raise ExecutorClosed("this graph was replaced")
        try:
            worker.conn.send(request)
            if not worker.conn.poll(limit):
                worker.kill()
                worker = _Worker(self._ctx, self._data_path)  # replace the runaway worker
                raise QueryTimeout(f"the query ran longer than the {limit:g} s limit and was stopped")
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker = _Worker(self._ctx, self._data_path)
            raise QueryFailed("the query worker died while evaluating the query") from None
        finally:
            self._give_back(worker)
        return str(status), payload

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
        worker.stop()  # the executor closed while this query ran: the query finished, the worker is not needed

    def close(self) -> None:
        """Stop idle workers now and busy ones when their query ends, so a swap never cuts a query short."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker is not None:
                worker.stop()
        self._idle.put(None)
