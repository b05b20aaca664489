"""Admin routes and atomic reload, on a real server over a copy of the project (MMKG_ROOT), never the real files.

A reload builds and validates in a child process; an invalid graph, a parse error, a build that dies, and a failure
while switching each leave the previous graph serving, while a client keeps querying and sees no failed request.
The token is needed for the admin route, compared in constant time (mmkg.auth) and never logged."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mmkg.auth import token_matches
from mmkg.paths import project_root, sources_dir

from .conftest import LiveServer, start_server, stop_server

TOKEN = "test-admin-token-7f3a9c1e5b2d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BORTEZOMIB_ALIAS = "ASK { ?d <http://www.w3.org/2004/02/skos/core#altLabel> \"PS-341\"@en }"


class Project:
    def __init__(self, root: Path, failpoints: Path) -> None:
        self.root = root
        self.failpoints = failpoints
        self.originals: dict[Path, str] = {}

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        self.originals.setdefault(path, text)
        assert old in text, f"{relative} no longer holds {old!r}: update the test"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def restore(self) -> None:
        for path, text in self.originals.items():
            path.write_text(text, encoding="utf-8")
        self.originals.clear()

    def inject(self, *names: str) -> None:
        self.failpoints.write_text("\n".join(names))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("reload") / "mmkg"
    for part in ("ontology", "graph", "shapes", "queries", "mappings"):
        shutil.copytree(project_root() / part, root / part)
    failpoints = root.parent / "failpoints"
    failpoints.write_text("")
    return Project(root, failpoints)


@pytest.fixture(scope="module")
def server(project: Project) -> Iterator[LiveServer]:
    env = {"MMKG_ROOT": str(project.root), "MMKG_SOURCES": str(sources_dir()), "MMKG_ADMIN_TOKEN": TOKEN,
           "MMKG_FAILPOINTS": str(project.failpoints)}
    live = start_server("--workers", "2", "--timeout", "5", env=env, timeout_s=300)
    yield live
    stop_server(live)


def served_hash(server: LiveServer) -> str:
    ready = httpx.get(server.url + "ready", timeout=10)
    assert ready.status_code == 200
    return str(ready.json()["content_hash"])


class Client(threading.Thread):
    """Keeps asking while a reload runs: SPARQL, REST and a question; every answer must be a 200."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.ok = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=30) as http:
            while not self.stop.is_set():
                for method, url, kwargs in (
                    ("GET", self.server.sparql, {"params": {"query": "SELECT ?t WHERE { ?t a "
                                                            "<https://w3id.org/mmkg/vocab#Trial> } LIMIT 5"}}),
                    ("GET", self.server.url + "api/trials", {}),
                    ("POST", self.server.url + "api/ask", {"json": {"question": "PFS of Dara-Kd in Len-refractory"}}),
                ):
                    try:
                        r = http.request(method, url, **kwargs)  # type: ignore[arg-type]
                        if r.status_code == 200:
                            self.ok += 1
                        else:
                            self.failures.append(f"{method} {url}: {r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{method} {url}: {type(exc).__name__} {exc}")

    def __enter__(self) -> Client:
        self.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *_: object) -> None:
        time.sleep(0.5)
        self.stop.set()
        self.join(timeout=60)


def reload(server: LiveServer) -> httpx.Response:
    return httpx.post(server.url + "admin/reload", headers=AUTH, timeout=600)


def refused_reload(server: LiveServer, project: Project, edit: tuple[str, str, str], outcome: str,
                   failpoint: str | None = None) -> dict[str, Any]:
    """Edit a file (and arm a failpoint), reload while a client queries, undo both; the reload must be refused
    with `outcome`, the previous graph still served, and no request failed. Returns the reload's answer."""
    before = served_hash(server)
    project.edit(*edit)
    if failpoint:
        project.inject(failpoint)
    try:
        with Client(server) as client:
            r = reload(server)
    finally:
        project.inject()
        project.restore()
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert body["outcome"] == outcome and not body["ok"]
    assert body["serving"] == before == body["previous"] and before in str(body["message"])
    assert "Traceback" not in r.text
    assert served_hash(server) == before
    assert client.failures == [] and client.ok > 3
    return body


# ---------------------------------------------------------------- who may do what


def test_admin_route_needs_the_token(server: LiveServer) -> None:
    missing = httpx.post(server.url + "admin/reload")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in missing.json()["detail"]
    wrong = httpx.post(server.url + "admin/reload", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 403 and "not valid" in wrong.json()["detail"]
    basic = httpx.post(server.url + "admin/reload", headers={"Authorization": "Basic " + TOKEN})
    assert basic.status_code == 403
    assert httpx.get(server.url + "admin/reload").status_code == 401


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("POST", "sparql", {"content": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                        "headers": {"Content-Type": "application/sparql-update"}}),
    ("POST", "sparql", {"data": {"update": "DROP ALL"}}),
    ("POST", "sparql", {"content": "DELETE WHERE { ?s ?p ?o }",
                        "headers": {"Content-Type": "application/sparql-query"}}),
    ("GET", "sparql", {"params": {"update": "CLEAR ALL"}}),
    ("PUT", "rdf-graph-store?graph=urn:x", {"content": "<urn:a> <urn:b> <urn:c> .",
                                            "headers": {"Content-Type": "text/turtle"}}),
    ("POST", "rdf-graph-store?graph=urn:x", {"content": "<urn:a> <urn:b> <urn:c> .",
                                             "headers": {"Content-Type": "text/turtle"}}),
    ("DELETE", "rdf-graph-store?graph=https://w3id.org/mmkg/graph/mappings", {}),
])
def test_writes_are_refused_with_and_without_the_token(server: LiveServer, method: str, path: str,
                                                       kwargs: dict[str, object]) -> None:
    before = httpx.get(server.url + "ready").json()
    anonymous = httpx.request(method, server.url + path, **kwargs)  # type: ignore[arg-type]
    assert anonymous.status_code == 403 and "read-only" in anonymous.text
    assert "www-authenticate" not in anonymous.headers  # no credentials would help: no challenge
    headers = {**kwargs.get("headers", {}), **AUTH}  # type: ignore[dict-item]
    admin = httpx.request(method, server.url + path, **{**kwargs, "headers": headers})  # type: ignore[arg-type]
    assert admin.status_code == 403 and "read-only" in admin.text
    assert httpx.get(server.url + "ready").json()["graphs"] == before["graphs"]  # nothing changed


def test_graph_store_reads_a_named_graph(server: LiveServer) -> None:
    graphs = httpx.get(server.url + "ready").json()["graphs"]
    iri = "https://w3id.org/mmkg/graph/curated/entities"
    r = httpx.get(server.url + "rdf-graph-store", params={"graph": iri}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    assert len([line for line in r.text.splitlines() if line.strip()]) == graphs[iri]
    assert httpx.get(server.url + "rdf-graph-store", params={"graph": "urn:nothing"}).status_code == 404
    assert httpx.get(server.url + "rdf-graph-store", params={"graph": "not an iri"}).status_code == 400


def test_cors_allows_reads_only(server: LiveServer) -> None:
    def preflight(method: str, headers: str = "content-type") -> httpx.Response:
        return httpx.options(server.url + "admin/reload", headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers})

    assert preflight("POST").status_code == 200  # a read-only POST (a query, a question) from a web page
    for method in ("PUT", "DELETE", "PATCH"):
        assert preflight(method).status_code == 400
    # no web page can send the admin token: Authorization is not an allowed header, credentials are not allowed
    with_token = preflight("POST", "authorization")
    assert with_token.status_code == 400
    read = httpx.get(server.url + "ready", headers={"Origin": "https://example.org"})
    assert read.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in read.headers


def test_token_comparison_is_by_digest() -> None:
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(TOKEN, TOKEN + "x")
    assert not token_matches("", TOKEN)


# ---------------------------------------------------------------- reload


def test_invalid_data_is_refused_and_the_old_graph_keeps_serving(server: LiveServer, project: Project) -> None:
    body = refused_reload(server, project,
                          ("graph/entities/regimens.ttl", "mm:componentCount 2 .", "mm:componentCount 5 ."), "invalid")
    report = "\n".join(body["report"])
    assert "graph/entities/regimens.ttl" in report and "node:" in report and "rule:" in report
    assert "componentCount" in report
    last = httpx.get(server.url + "admin/reload", headers=AUTH).json()
    assert last["outcome"] == "invalid" and last["report"] == body["report"]
    ready = httpx.get(server.url + "ready").json()
    assert ready["last_reload"]["outcome"] == "invalid" and "report" not in ready["last_reload"]


def test_parse_error_is_refused_with_the_parser_report(server: LiveServer, project: Project) -> None:
    body = refused_reload(server, project, ("graph/entities/drugs.ttl", '"Velcade"@en', '"Velcade"@en ) ('),
                          "parse-error")
    first = body["report"][0]
    assert "drugs.ttl" in first and "Turtle" in first


@pytest.mark.parametrize(("failpoint", "outcome"), [("build-crash", "crashed"), ("publish-before-swap", "failed")])
def test_a_crash_in_the_middle_leaves_the_old_graph(server: LiveServer, project: Project, failpoint: str,
                                                    outcome: str) -> None:
    refused_reload(server, project, ("graph/entities/drugs.ttl", '"Velcade"@en', '"Velcade"@en, "PS-341"@en'),
                   outcome, failpoint)
    assert httpx.get(server.sparql, params={"query": BORTEZOMIB_ALIAS}).json()["boolean"] is False


def test_a_valid_change_is_switched_in_without_a_failed_request(server: LiveServer, project: Project) -> None:
    before = served_hash(server)
    project.edit("graph/entities/drugs.ttl", '"Velcade"@en', '"Velcade"@en, "PS-341"@en')
    try:
        with Client(server) as client:
            r = reload(server)
            assert r.status_code == 200, r.text
            time.sleep(1.0)  # keep asking the new graph for a moment
        body = r.json()
        assert body["outcome"] == "reloaded" and body["previous"] == before and body["serving"] != before
        assert served_hash(server) == body["serving"]
        assert httpx.get(server.sparql, params={"query": BORTEZOMIB_ALIAS}).json()["boolean"] is True
        assert client.failures == [] and client.ok > 3
        # the question layer sees the new graph too (its lexicon is rebuilt for the new store)
        asked = httpx.post(server.url + "api/ask", json={"question": "trials of PS-341"}).json()
        assert "bortezomib" in json.dumps(asked).lower()
    finally:
        project.restore()
    # SIGHUP reloads as well: back to the original files, hence the original build
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 300
    while served_hash(server) != before:
        assert time.monotonic() < deadline, "SIGHUP did not reload the original build"
        time.sleep(0.5)
    assert httpx.get(server.sparql, params={"query": BORTEZOMIB_ALIAS}).json()["boolean"] is False


def test_access_log_is_structured_and_never_holds_the_token(server: LiveServer) -> None:
    httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"})
    time.sleep(0.3)
    text = server.log.read_text(encoding="utf-8")
    assert TOKEN not in text
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [e for e in entries if e.get("event") == "access"]
    assert access, "no access log lines"
    for entry in access:
        assert {"ts", "method", "path", "status", "duration_ms"} <= entry.keys()
        assert entry["duration_ms"] >= 0
    sparql = [e for e in access if e["path"] == "/sparql" and e["status"] == 200]
    assert sparql and all("query_ms" in e and "sparql_sha256" in e for e in sparql)
    assert any(e["path"] == "/admin/reload" and e["status"] == 401 for e in access)
    outcomes = {e["outcome"] for e in entries if e.get("logger") == "mmkg.reload" and "outcome" in e}
    assert {"invalid", "parse-error", "crashed", "failed", "reloaded"} <= outcomes


def test_admin_is_disabled_without_a_configured_token() -> None:
    live = start_server("--workers", "1")
    try:
        r = httpx.post(live.url + "admin/reload", headers={"Authorization": "Bearer anything-at-all-here"})
        assert r.status_code == 403 and "disabled" in r.json()["detail"]
        assert httpx.post(live.url + "admin/reload").status_code == 401
    finally:
        stop_server(live)
