"""Limits that keep the server alive: a runaway query is stopped at the time limit with a clear status while
other requests are still answered; an oversized answer is refused with a clear status; long input is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from .conftest import LiveServer, start_server, stop_server

TIMEOUT_S = 2.0
MAX_ROWS = 50
# every triple × every triple × every triple: far beyond any time limit on this graph
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?t WHERE { ?t a <https://w3id.org/mmkg/vocab#Trial> } LIMIT 5"


@pytest.fixture(scope="module")
def limited_server() -> Iterator[LiveServer]:
    server = start_server("--timeout", str(TIMEOUT_S), "--max-rows", str(MAX_ROWS), "--workers", "2")
    yield server
    stop_server(server)


def test_runaway_query_is_stopped_with_a_clear_status(limited_server: LiveServer) -> None:
    started = time.monotonic()
    r = httpx.get(limited_server.sparql, params={"query": RUNAWAY}, timeout=60)
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert f"{TIMEOUT_S:g} s limit" in r.text
    assert elapsed < TIMEOUT_S + 10  # stopped near the limit, not left to run


def test_other_requests_are_answered_while_a_runaway_runs(limited_server: LiveServer) -> None:
    runaway_status: list[int] = []

    def runaway() -> None:
        runaway_status.append(httpx.get(limited_server.sparql, params={"query": RUNAWAY}, timeout=60).status_code)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway is now occupying one worker
    answered = 0
    deadline = time.monotonic() + TIMEOUT_S * 0.8
    while time.monotonic() < deadline:
        r = httpx.get(limited_server.sparql, params={"query": SIMPLE}, timeout=5)
        assert r.status_code == 200
        answered += 1
        assert httpx.get(limited_server.url + "health", timeout=5).status_code == 200
    thread.join(timeout=30)
    assert runaway_status == [503]
    assert answered >= 3, "simple queries must keep being answered while the runaway is cut off"
    # and the worker that was killed has been replaced
    assert httpx.get(limited_server.sparql, params={"query": SIMPLE}, timeout=10).status_code == 200


def test_result_cap_refuses_oversized_answers(limited_server: LiveServer) -> None:
    over = httpx.get(limited_server.sparql, params={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"})
    assert over.status_code == 422
    assert f"more than {MAX_ROWS} rows" in over.text
    within = httpx.get(limited_server.sparql, params={"query": f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"})
    assert within.status_code == 200
    graph = httpx.get(limited_server.sparql, params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"})
    assert graph.status_code == 422 and "triples" in graph.text


def test_overlong_query_is_refused(limited_server: LiveServer) -> None:
    long_query = "SELECT * WHERE { VALUES ?x { " + " ".join(f'"{i}"' for i in range(30_000)) + " } }"
    r = httpx.post(limited_server.sparql, content=long_query, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code in (413, 414)
