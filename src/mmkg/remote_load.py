"""`mmkg load --store`: push a validated build into a SPARQL server's named graphs, atomically.

Every named graph of the build is first written into a staging graph of its own (Graph Store HTTP Protocol, in
chunks), the staging graphs are counted against the build, and only then does one SPARQL Update request move
them onto the served names, drop the graphs the new build no longer has, and rewrite the manifest graph (content
hash, quads per graph) that `mmkg serve --store` reads. Until that request, the served graphs are untouched: a
load that fails or is interrupted leaves the previous data serving, and its staging graphs are dropped. Whether
the switch request itself is seen all at once by concurrent readers depends on the server running one update
request as one transaction (Virtuoso does; tested in tests/test_remote_store.py)."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pyoxigraph as ox

from mmkg.build import Build
from mmkg.errors import BuildInvalid, MmkgError
from mmkg.query import graph_counts
from mmkg.remote import (
    MANIFEST_GRAPH,
    Manifest,
    RemoteStore,
    StoreConfig,
    StoreUnavailable,
    find_manifest,
    skolemise,
)

CHUNK_TRIPLES = 100_000
SWITCH_ATTEMPTS = 5
_RETRYABLE = ("SR171", "Transaction timed out", "40001", "deadlock")


class LoadFailed(MmkgError):
    """The push stopped before the switch; the store still serves what it served before."""


class _Writer:
    """Authenticated writes. Credentials go with the first attempt: Virtuoso answers an unauthenticated write
    with 401 and closes the connection before reading the body, which a client sending a large body sees as a
    reset rather than as the challenge. So the challenge is fetched first with a body-less request, then every
    write carries its Authorization header (Digest, as Virtuoso asks; Basic for Fuseki, GraphDB)."""

    def __init__(self, config: StoreConfig, timeout_s: float) -> None:
        self.config = config
        self.timeout_s = timeout_s
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        for url in (config.update_url, config.gsp_url):
            if url:
                passwords.add_password(None, url, config.user or "", config.password or "")
        self._digest = urllib.request.HTTPDigestAuthHandler(passwords)
        self._challenge: tuple[str, dict[str, str]] | None = None

    def _fetch_challenge(self, url: str) -> None:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=self.timeout_s):
                self._challenge = ("none", {})
        except urllib.error.HTTPError as exc:
            header = exc.headers.get("WWW-Authenticate", "")
            scheme, _, rest = header.partition(" ")
            if exc.code == 401 and scheme.lower() == "digest":
                self._challenge = ("digest", urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest)))
            elif exc.code == 401 and scheme.lower() == "basic":
                self._challenge = ("basic", {})
            else:
                self._challenge = ("none", {})
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise LoadFailed(f"{url} is unreachable: {getattr(exc, 'reason', exc)}") from None

    def _authorise(self, request: urllib.request.Request) -> None:
        if self.config.user is None:
            return
        if self._challenge is None:
            self._fetch_challenge(request.full_url)
        assert self._challenge is not None
        scheme, params = self._challenge
        if scheme == "digest":
            # urllib's own digest computation (RFC 2617), used ahead of the request instead of after a 401
            value = self._digest.get_authorization(request, params)
            if value:
                request.add_unredirected_header("Authorization", f"Digest {value}")
        elif scheme == "basic":
            token = base64.b64encode(f"{self.config.user}:{self.config.password or ''}".encode()).decode()
            request.add_unredirected_header("Authorization", f"Basic {token}")

    def send(self, method: str, url: str, body: bytes, content_type: str, *, retry: bool = True) -> None:
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        self._authorise(request)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 401 and retry and self.config.user is not None:  # a stale nonce: ask again, once
                self._challenge = None
                return self.send(method, url, body, content_type, retry=False)
            detail = exc.read().decode("utf-8", "replace")[:800]
            hint = " (set MMKG_STORE_USER / MMKG_STORE_PASSWORD)" if exc.code in (401, 403) else ""
            raise LoadFailed(f"{method} {url} answered {exc.code}{hint}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise LoadFailed(f"{method} {url} failed: {getattr(exc, 'reason', exc)}") from None


def _chunks(store: ox.Store, graph: str) -> Iterator[bytes]:
    """N-Triples bodies of at most CHUNK_TRIPLES triples. Blank nodes are written as their skolem IRIs: a citation
    node is shared by a curated graph and the inferred graph, and a blank node label would mean a different node
    in each request (and Virtuoso refuses blank nodes in INSERT DATA)."""
    batch: list[ox.Triple] = []
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        batch.append(ox.Triple(skolemise(q.subject), q.predicate, skolemise(q.object)))
        if len(batch) >= CHUNK_TRIPLES:
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
            batch = []
    if batch:
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""


def staging_name(token: str, graph: str) -> str:
    return f"urn:mmkg:staging:{token}:{hashlib.sha256(graph.encode()).hexdigest()[:16]}"


def _manifest_data(content_hash: str, counts: dict[str, int], loaded: str) -> str:
    m = f"<{MANIFEST_GRAPH}>"
    lines = [f'{m} <http://purl.org/dc/terms/identifier> "{content_hash}" .',
             f'{m} <http://purl.org/dc/terms/modified> "{loaded}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .']
    for i, (graph, n) in enumerate(sorted(counts.items())):
        d = f"<{MANIFEST_GRAPH}#graph-{i}>"
        lines += [f"{m} <http://rdfs.org/ns/void#subset> {d} .",
                  f"{d} <http://www.w3.org/ns/sparql-service-description#name> <{graph}> .",
                  f"{d} <http://rdfs.org/ns/void#triples> {n} ."]
    return "\n".join(lines)


def push(build: Build, config: StoreConfig, *, content_hash: str | None = None,
         progress: Callable[[str], None] = lambda _m: None,
         before_switch: Callable[[], None] = lambda: None) -> Manifest:
    """Write the build's named graphs to the store and switch them in with one update request."""
    if not build.report.conforms:
        raise BuildInvalid(build.report)
    if not config.gsp_url or not config.update_url:
        raise MmkgError("loading a remote store needs its Graph Store Protocol and update endpoints: "
                        "--store-gsp URL and --store-update URL (or MMKG_STORE_GSP / MMKG_STORE_UPDATE)")
    store = build.store
    counts = graph_counts(store, include_default=True)
    if "(default graph)" in counts:
        raise MmkgError("the build has triples in the default graph; every mmkg triple belongs in a named graph")
    key = content_hash or build.content_hash
    writer = _Writer(config, max(config.timeout_s, 120.0))
    remote = RemoteStore(config)
    try:
        current = find_manifest(config)
    except StoreUnavailable as exc:
        raise LoadFailed(str(exc)) from None
    previous = list(current.graphs) if current is not None else []
    token = secrets.token_hex(6)
    staging = {g: staging_name(token, g) for g in counts}
    try:
        for graph, n in counts.items():
            progress(f"writing {n} triples of <{graph}> to staging")
            for i, body in enumerate(_chunks(store, graph)):
                url = f"{config.gsp_url}?graph={quote(staging[graph], safe='')}"
                writer.send("PUT" if i == 0 else "POST", url, body, "application/n-triples")
        loaded = _staged_counts(remote, list(staging.values()))
        wrong = {g: (loaded.get(staging[g], 0), n) for g, n in counts.items() if loaded.get(staging[g], 0) != n}
        if wrong:
            detail = "; ".join(f"<{g}>: {got} of {want}" for g, (got, want) in sorted(wrong.items()))
            raise LoadFailed(f"the staging graphs do not hold the build ({detail})")
        before_switch()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        operations = [f"MOVE SILENT GRAPH <{staging[g]}> TO GRAPH <{g}>" for g in counts]
        operations += [f"DROP SILENT GRAPH <{g}>" for g in previous if g not in counts]
        operations += [f"DROP SILENT GRAPH <{MANIFEST_GRAPH}>",
                       f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ {_manifest_data(key, counts, now)} }} }}"]
        progress(f"switching {len(counts)} graphs in one update request")
        switch = " ;\n".join(operations).encode()
        for attempt in range(SWITCH_ATTEMPTS):
            try:
                writer.send("POST", config.update_url, switch, "application/sparql-update")
                break
            except LoadFailed as exc:
                # Readers hold locks the switch waits for; Virtuoso then rolls the switch back whole ("Transaction
                # timed out", deadlock 40001). Nothing was switched, so it is safe to try again.
                if attempt + 1 == SWITCH_ATTEMPTS or not any(m in str(exc) for m in _RETRYABLE):
                    raise
                progress(f"switch rolled back by the server ({str(exc)[:120]}…); retrying")
                time.sleep(0.5 * (attempt + 1))
    except BaseException:
        drop = " ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staging.values())
        with contextlib.suppress(LoadFailed):  # the first failure is the one to report; staging names are unique
            writer.send("POST", config.update_url, drop.encode(), "application/sparql-update")
        raise
    return Manifest(key, dict(sorted(counts.items())), now)


def _staged_counts(remote: RemoteStore, graphs: list[str]) -> dict[str, int]:
    result = remote.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                          default_graph=[], named_graphs=[ox.NamedNode(g) for g in graphs], timeout_s=600)
    assert isinstance(result, ox.QuerySolutions)
    return {row["g"].value: int(row["n"].value) for row in result}
