"""Shared fixtures: one fresh (uncached) build of the real graph per test session, and a free port helper."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from mmkg.build import Build, run_build
from mmkg.namespaces import PREFIXES


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
