"""Shared fixtures: one fresh (uncached) build of the real graph per test session, and a free port helper."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from mmkg.build import Build, run_build
from mmkg.namespaces import PREFIXES
from mmkg.virtuoso import Virtuoso
from mmkg.virtuoso import available as virtuoso_available
from mmkg.virtuoso import start as start_virtuoso


@pytest.fixture(scope="session")
def built() -> Build:
    result = run_build(use_cache=False)
    problems = [v.render() for v in result.report.violations if v.is_violation]
    assert not problems, "the curated graph must validate:\n" + "\n\n".join(problems[:10])
    return result


@pytest.fixture(scope="session")
def store(built: Build) -> ox.Store:
    return built.store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    """Run a SELECT over the union of graphs; each row as {variable: value-as-text}."""
    solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: (row[n].value if row[n] is not None else "") for n in names} for row in solutions]


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True))


@pytest.fixture()
def free_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sparql11-protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/"


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    @property
    def sparql(self) -> str:
        return self.url + "sparql"


def start_server(*extra_args: str, timeout_s: float = 120, env: dict[str, str] | None = None) -> LiveServer:
    """`mmkg serve` in a child process on a free 127.0.0.1 port; returns once /ready answers 200."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The server's output goes to a file: a pipe nobody reads could fill up and block the server.
    log = Path(tempfile.mkstemp(prefix="mmkg-test-server-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "mmkg.cli", "serve", "--port", str(port), *extra_args],
                                   stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"mmkg serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "ready", timeout=2).status_code == 200:
                return LiveServer(url, process, log)
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("mmkg serve did not become ready in time")
        time.sleep(0.2)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


def _protocol_graphs() -> list[str]:
    """The W3C protocol suite's three graphs, served beside ours."""
    extra = []
    for n in (1, 2, 3):
        extra += ["--extra-graph", f"{KASEI}data{n}.rdf={CONFORMANCE / f'data{n}.nt'}"]
    return extra


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A private Virtuoso on 127.0.0.1 for the session. Without the Debian package the remote-store tests are
    skipped locally, but fail in CI, which installs it (scripts/install-system-deps.sh)."""
    if not virtuoso_available():
        if os.environ.get("CI"):
            pytest.fail("virtuoso-opensource is not installed; scripts/install-system-deps.sh installs it")
        pytest.skip("virtuoso-opensource is not installed (scripts/install-system-deps.sh installs it)")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"), memory_mb=512, query_timeout_s=3)
    yield server
    server.stop()


def load_into(server: Virtuoso, *args: str) -> subprocess.CompletedProcess[str]:
    """`mmkg load` of the current build into a Virtuoso server."""
    return subprocess.run([sys.executable, "-m", "mmkg.cli", "load", *args], capture_output=True, text=True,
                          env={**os.environ, **server.env()}, timeout=600)


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """One server for the HTTP tests, on each store backend: the embedded store, and a Virtuoso server holding
    the same build pushed by `mmkg load --store`. Every test taking this fixture runs against both."""
    env = None
    if request.param == "embedded":
        args = _protocol_graphs()
    else:
        remote: Virtuoso = request.getfixturevalue("virtuoso")
        loaded = load_into(remote, *_protocol_graphs())
        assert loaded.returncode == 0, loaded.stderr
        env = remote.env()
        args = ["--store", remote.store_url]
    server = start_server(*args, "--timeout", "3", "--max-rows", "5000", env=env)
    yield server
    stop_server(server)
