"""The build is all-or-nothing: invalid data is reported with file, node and rule, and never reaches a store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mmkg.build import Build, build, run_build
from mmkg.errors import BuildInvalid, ParseFailure
from mmkg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, curated_graph
from mmkg.store import GraphHolder

DATA = Path(__file__).parent / "data"
MMKG = [sys.executable, "-m", "mmkg.cli"]


def test_curated_graph_conforms(built: Build) -> None:
    assert built.report.conforms
    assert built.triples > 3000


def test_named_graphs_of_the_design_notes(built: Build) -> None:
    graphs = {q.graph_name.value for q in built.store if hasattr(q.graph_name, "value")}
    for expected in (ONTOLOGY_GRAPH, INFERRED_GRAPH, curated_graph("entities"),
                     curated_graph("review-2019"), curated_graph("mele-2024")):
        assert expected in graphs


def test_invented_quote_fails_the_build_naming_file_node_and_rule() -> None:
    result = run_build([DATA / "bad-quote.ttl"], use_cache=False)
    assert not result.report.conforms
    quote_problems = [v for v in result.report.violations if v.component.endswith("QuoteInSource")]
    assert len(quote_problems) == 1
    problem = quote_problems[0]
    assert problem.focus_node == "https://w3id.org/mmkg/id/result/test-invented-value"
    assert problem.files == [DATA / "bad-quote.ttl"]
    with pytest.raises(BuildInvalid):
        build([DATA / "bad-quote.ttl"], use_cache=False)


def test_shacl_violation_fails_the_build() -> None:
    result = run_build([DATA / "bad-nct.ttl"], use_cache=False)
    nct = [v for v in result.report.violations if v.path == "https://w3id.org/mmkg/vocab#nctId"]
    assert nct, "the NCT pattern shape must reject a nine-digit number"
    assert nct[0].files == [DATA / "bad-nct.ttl"]


def test_parse_error_names_the_file() -> None:
    with pytest.raises(ParseFailure) as info:
        run_build([DATA / "bad-syntax.ttl"], use_cache=False)
    assert "bad-syntax.ttl" in str(info.value)


def test_invalid_build_is_never_published() -> None:
    result = run_build([DATA / "bad-quote.ttl"], use_cache=False)
    holder = GraphHolder()
    with pytest.raises(ValueError):
        holder.publish(result)
    assert holder.current is None


def test_validate_cli_reports_and_exits_1() -> None:
    proc = subprocess.run([*MMKG, "validate", str(DATA / "bad-quote.ttl")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 1
    out = proc.stdout
    assert "bad-quote.ttl" in out
    assert "result:test-invented-value" in out
    assert "QuoteInSource" in out
    assert "does not conform" in out


def test_validate_cli_exits_0_on_the_curated_graph() -> None:
    proc = subprocess.run([*MMKG, "validate"], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.strip().splitlines()[-1].startswith("conforms:")


def test_parse_error_cli_exit_2() -> None:
    proc = subprocess.run([*MMKG, "validate", str(DATA / "bad-syntax.ttl")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 2
    assert "bad-syntax.ttl" in proc.stderr and "not valid Turtle" in proc.stderr


def test_cached_build_equals_fresh_build(built: Build) -> None:
    first = run_build()  # fills the cache when absent
    cached = run_build()
    assert cached.from_cache
    assert cached.content_hash == built.content_hash == first.content_hash
    assert len(cached.store) == len(built.store)
