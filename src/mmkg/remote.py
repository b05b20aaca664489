"""A SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, Neptune…) as mmkg's store.

`RemoteStore` answers the same calls as the embedded `pyoxigraph.Store` (see `graphstore.GraphStore`): queries go
out through SPARQLWrapper, the answers come back parsed by Oxigraph into the same Python objects, so templates, the
question layer, REST and linked data run unchanged. mmkg's graphs are named explicitly in every request (the
protocol's default-graph-uri / named-graph-uri), because what a server puts in its default graph differs from
server to server and a shared server holds other people's graphs too. Which graphs are mmkg's, and which build they
hold, is read from the manifest graph that `mmkg load --store` writes last (see `remote_load`)."""

from __future__ import annotations

import json
import os
import re
import threading
import urllib.error
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from mmkg import __version__
from mmkg.errors import MmkgError
from mmkg.executor import Overloaded, QueryFailed, QueryRequest, QueryResponse, QueryTimeout, execute
from mmkg.graphstore import DatasetGraphs, QueryResult
from mmkg.namespaces import SKOLEM
from mmkg.query import query_form, term_value

STORE_ENV = "MMKG_STORE"
MANIFEST_GRAPH = "https://w3id.org/mmkg/graph/manifest"
# A graph nobody writes: "no default graph" in a protocol request (an empty default-graph-uri list means "the
# server's own default", which on Virtuoso is every graph it holds).
EMPTY_GRAPH = "urn:mmkg:empty-graph"
MANIFEST_PREFIXES = ("PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX void: <http://rdfs.org/ns/void#> "
                     "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>")
_XSD_BOOLEAN = b"http://www.w3.org/2001/XMLSchema#boolean"
_SKOLEM_BYTES = SKOLEM.encode()
_BNODE_LABEL = re.compile(r"[^A-Za-z0-9_]")


class StoreUnavailable(MmkgError):
    """The remote SPARQL server did not answer (refused, unreachable) or holds no mmkg build."""


@dataclass(frozen=True)
class StoreConfig:
    """Where a remote store answers queries, takes updates and Graph Store Protocol writes, and as whom."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = None
    timeout_s: float = 10.0
    # How "the union of mmkg's graphs" is asked for. "explicit": every graph named in default-graph-uri /
    # named-graph-uri (right on any server, shared or not). "server": no dataset in the request, trusting the
    # server's default graph to be the union of its graphs (Virtuoso's default; Fuseki with unionDefaultGraph;
    # GraphDB). Virtuoso plans joins with a FROM list badly (a blank-node closure: 1 s with FROM, 3 ms without),
    # so on a server holding only mmkg, "server" is the setting (MMKG_STORE_UNION=server).
    union: str = "explicit"

    @classmethod
    def parse(cls, spec: str, *, update_url: str | None = None, gsp_url: str | None = None,
              timeout_s: float = 10.0, env: Mapping[str, str] = os.environ) -> StoreConfig:
        """`sparql+http://host:port/path` (or sparql+https). Write endpoints and credentials come from the
        arguments or MMKG_STORE_UPDATE, MMKG_STORE_GSP, MMKG_STORE_USER, MMKG_STORE_PASSWORD (never from the URL,
        which ends up in logs and process lists)."""
        scheme, sep, rest = spec.partition("+")
        parts = urlsplit(rest)
        if scheme != "sparql" or not sep or parts.scheme not in ("http", "https") or not parts.netloc:
            raise MmkgError(f"--store expects sparql+http://HOST:PORT/PATH (a SPARQL 1.1 query endpoint), got {spec!r}")
        if "@" in parts.netloc:
            raise MmkgError("put store credentials in MMKG_STORE_USER / MMKG_STORE_PASSWORD, not in the --store URL")
        union = env.get("MMKG_STORE_UNION") or "explicit"
        if union not in ("explicit", "server"):
            raise MmkgError(f"MMKG_STORE_UNION must be 'explicit' or 'server', got {union!r}")
        return cls(query_url=rest, update_url=update_url or env.get("MMKG_STORE_UPDATE") or None,
                   gsp_url=gsp_url or env.get("MMKG_STORE_GSP") or None, user=env.get("MMKG_STORE_USER") or None,
                   password=env.get("MMKG_STORE_PASSWORD") or None, timeout_s=timeout_s, union=union)


def _prologue(query: str, base_iri: str | None, prefixes: dict[str, str] | None) -> str:
    lines = [f"BASE <{base_iri}>"] if base_iri else []
    for name, iri in (prefixes or {}).items():
        if f"{name}:" in query:  # only the prefixes the text may use: requests stay small
            lines.append(f"PREFIX {name}: <{iri}>")
    return "\n".join([*lines, query])


def skolemise(term: Any) -> Any:
    """A blank node as its skolem IRI (how `mmkg load --store` writes it); other terms unchanged."""
    return ox.NamedNode(SKOLEM + term.value) if isinstance(term, ox.BlankNode) else term


def deskolemise(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and term.value.startswith(SKOLEM):
        return ox.BlankNode(term.value[len(SKOLEM):])
    return term


def _as_embedded(raw: bytes) -> bytes:
    """Make SPARQL JSON results read as the embedded store's would:
    - skolem IRIs back to the blank nodes they stand for;
    - Virtuoso stores xsd:boolean as 1/0 and answers "1"^^xsd:boolean: the same value, not the same lexical
      form, so it is rewritten to true/false before anyone compares strings."""
    if _XSD_BOOLEAN not in raw and _SKOLEM_BYTES not in raw and b'"bnode"' not in raw:
        return raw
    doc = json.loads(raw)
    for row in doc.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("datatype") == _XSD_BOOLEAN.decode() and term.get("value") in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
            elif term.get("type") == "uri" and term.get("value", "").startswith(SKOLEM):
                term["type"], term["value"] = "bnode", term["value"][len(SKOLEM):]
            elif term.get("type") == "bnode":  # Virtuoso labels its own blank nodes nodeID://b123
                term["value"] = _BNODE_LABEL.sub("_", term["value"].removeprefix("nodeID://"))
    return json.dumps(doc).encode()


class RemoteStore:
    """mmkg's graphs on a SPARQL 1.1 server, read through the protocol. Thread-safe (one request per call)."""

    def __init__(self, config: StoreConfig, graphs: list[str] | None = None) -> None:
        self.config = config
        self.graphs = graphs if graphs is not None else []
        self.timeout_s = config.timeout_s

    # -------------------------------------------------------------- protocol

    def _send(self, text: str, *, accept: str, default: list[str], named: list[str],
              timeout_s: float | None = None) -> tuple[bytes, str]:
        client = SPARQLWrapper(self.config.query_url, agent=f"mmkg/{__version__}")
        client.setMethod(POST)
        client.setOnlyConneg(True)  # no format=/output= parameters: servers read them differently
        client.addCustomHttpHeader("Accept", accept)
        client.setTimeout(int(max(1.0, timeout_s or self.timeout_s)))
        client.setQuery(text)
        for g in default:
            client.addDefaultGraph(g)
        for g in named:
            client.addNamedGraph(g)
        where = self.config.query_url
        try:
            response = client.query().response
            return response.read(), response.headers.get("Content-Type", "")
        except TimeoutError:
            raise QueryTimeout(f"the SPARQL server at {where} did not answer within "
                               f"{client.timeout} s; the query was abandoned") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(f"the SPARQL server at {where} did not answer within {client.timeout} s") from None
            raise StoreUnavailable(f"the SPARQL server at {where} is unreachable ({exc.reason}); "
                                   "check --store / MMKG_STORE and that the server runs") from None
        except SPARQLWrapperException as exc:
            message = str(exc)
            if "S1T00" in message or "timeout" in message.lower():  # Virtuoso's MaxQueryExecutionTime
                raise QueryTimeout(f"the SPARQL server at {where} stopped the query at its time limit: "
                                   f"{message[:500]}") from None
            raise QueryFailed(f"the SPARQL server at {where} refused the query: {message[:1000]}") from None

    def _dataset(self, union: bool, default_graph: DatasetGraphs | None,
                 named_graphs: list[ox.NamedNode | ox.BlankNode] | None) -> tuple[list[str], list[str]]:
        """The protocol's default-graph-uri and named-graph-uri lists for pyoxigraph's dataset arguments. An
        empty default list sends none: the query's FROM clauses, or the server's default graph, decide."""
        named = None if named_graphs is None else [g.value for g in named_graphs if isinstance(g, ox.NamedNode)]
        if default_graph is not None:
            graphs = default_graph if isinstance(default_graph, list) else [default_graph]
            if any(not isinstance(g, ox.NamedNode) for g in graphs):
                raise TypeError("a remote store names graphs by IRI only")
            default = [g.value for g in graphs if isinstance(g, ox.NamedNode)] or [EMPTY_GRAPH]
        elif union and self.config.union == "explicit":
            default = list(self.graphs) or [EMPTY_GRAPH]
        else:  # no dataset; with the union flag in "server" mode, the server's default graph is the union
            return [], named or []
        # as pyoxigraph: a given default graph leaves every graph of the store available by name
        return default, (self.graphs if named is None else named) or [EMPTY_GRAPH]

    def query(self, query: str, *, base_iri: str | None = None, prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = False,
              default_graph: DatasetGraphs | None = None,
              named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
              timeout_s: float | None = None) -> QueryResult:
        """Same meaning as `pyoxigraph.Store.query`: with neither a dataset nor the union flag, the query's own
        FROM clauses (or the server's default) decide."""
        kind = query_form(query, base_iri, with_prefixes=bool(prefixes))  # parse here: same errors as embedded
        default, named = self._dataset(use_default_graph_as_union, default_graph, named_graphs)
        text = _prologue(query, base_iri, prefixes)
        if kind == "graph":
            raw, ctype = self._send(text, accept="application/n-triples, text/plain;q=0.9, text/turtle;q=0.5",
                                    default=default, named=named, timeout_s=timeout_s)
            fmt = ox.RdfFormat.from_media_type(ctype.split(";")[0].strip()) or ox.RdfFormat.N_TRIPLES
            if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
                fmt = ox.RdfFormat.N_TRIPLES  # Virtuoso labels N-Triples text/plain
            return [ox.Triple(deskolemise(t.subject), t.predicate, deskolemise(t.object))
                    for t in ox.parse(raw, format=fmt)]  # Quads in the default graph: read as triples
        raw, _ctype = self._send(text, accept="application/sparql-results+json", default=default, named=named,
                                 timeout_s=timeout_s)
        try:
            result = ox.parse_query_results(_as_embedded(raw), format=ox.QueryResultsFormat.JSON)
            if kind == "boolean" and isinstance(result, ox.QuerySolutions):
                # Virtuoso 7.2 answers ASK with one row binding ?__ASK_RETVAL to 1, or with no row
                value = any(term_value(row[0]) in ("1", "true") for row in result if row[0] is not None)
                return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if value else b"false"),
                                              format=ox.QueryResultsFormat.JSON)
            return result
        except (SyntaxError, ValueError) as exc:
            raise QueryFailed(f"the SPARQL server at {self.config.query_url} sent an answer that is not SPARQL "
                              f"JSON results: {exc}") from None

    # -------------------------------------------------------------- the rest of the store interface

    def quads_for_pattern(self, subject: ox.NamedNode | None, predicate: ox.NamedNode | None,
                          object: ox.NamedNode | ox.Literal | None,
                          graph_name: ox.NamedNode | None = None, /) -> Iterator[ox.Quad]:
        """Blank nodes are looked up by their skolem IRIs, which is how they were loaded."""
        terms: list[Any] = [subject, predicate, object]
        names = ["s", "p", "o"]
        pattern = " ".join(str(skolemise(t)) if t is not None else f"?{n}" for t, n in zip(terms, names, strict=True))
        graph = str(graph_name) if graph_name is not None else "?g"
        text = f"SELECT * WHERE {{ GRAPH {graph} {{ {pattern} }} }}"
        if self.config.union == "server":  # the server's graphs, kept to mmkg's here
            result = self.query(text)
        else:
            result = self.query(text, default_graph=[], named_graphs=[ox.NamedNode(g) for g in self.graphs])
        assert isinstance(result, ox.QuerySolutions)
        ours = set(self.graphs)
        for row in result:
            if graph_name is None and (row["g"] is None or row["g"].value not in ours):
                continue
            s, p, o = (row[n] if t is None else t for t, n in zip(terms, names, strict=True))
            g = row["g"] if graph_name is None else graph_name
            yield ox.Quad(deskolemise(s), p, deskolemise(o), g)


@dataclass(frozen=True)
class Manifest:
    """What `mmkg load --store` last switched in: the build's content hash and the quads in each named graph."""

    content_hash: str
    graphs: dict[str, int]
    loaded: str


def find_manifest(config: StoreConfig) -> Manifest | None:
    """The build a remote store serves, from its manifest graph; None if nothing was ever loaded."""
    probe = RemoteStore(config)
    result = probe.query(
        f"{MANIFEST_PREFIXES} SELECT ?hash ?loaded ?g ?n WHERE {{ GRAPH ?m {{ ?m dcterms:identifier ?hash ; "
        "dcterms:modified ?loaded ; void:subset ?d . ?d sd:name ?g ; void:triples ?n } }",
        default_graph=[], named_graphs=[ox.NamedNode(MANIFEST_GRAPH)])
    assert isinstance(result, ox.QuerySolutions)
    rows = list(result)
    if not rows:
        return None
    graphs = {r["g"].value: int(r["n"].value) for r in rows}
    first = rows[0]
    return Manifest(first["hash"].value, dict(sorted(graphs.items())), first["loaded"].value)


def read_manifest(config: StoreConfig) -> Manifest:
    """As find_manifest, but a store without a build is StoreUnavailable (nothing to serve)."""
    manifest = find_manifest(config)
    if manifest is None:
        raise StoreUnavailable(f"the SPARQL server at {config.query_url} holds no mmkg build (no manifest graph "
                               f"<{MANIFEST_GRAPH}>); push one with `mmkg load --store sparql+{config.query_url}`")
    return manifest


def open_remote(config: StoreConfig) -> tuple[RemoteStore, Manifest]:
    manifest = read_manifest(config)
    return RemoteStore(config, list(manifest.graphs)), manifest


class RemoteExecutor:
    """/sparql on a remote store: the server evaluates; here at most `workers` requests are in flight (a client
    flooding the endpoint waits or gets 503, it does not open unbounded connections), each with the time limit as
    its HTTP timeout. The server's own limit (Virtuoso's MaxQueryExecutionTime) stops the query there."""

    def __init__(self, store: RemoteStore, *, workers: int = 3, max_wait_s: float | None = None) -> None:
        self.store = store
        self._slots = threading.BoundedSemaphore(workers)
        self._max_wait_s = store.timeout_s if max_wait_s is None else max_wait_s

    def run(self, request: QueryRequest, *, timeout_s: float | None = None) -> QueryResponse:
        if not self._slots.acquire(timeout=self._max_wait_s):
            raise Overloaded("all query slots are busy; try again shortly")
        try:
            store = self.store
            if timeout_s is not None:
                store = RemoteStore(replace(store.config, timeout_s=timeout_s), store.graphs)
            return execute(store, request)
        finally:
            self._slots.release()

    def close(self) -> None:
        pass
