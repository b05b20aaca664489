"""The CLI commands as a user runs them: stats, build (with named graphs kept), results, table."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from mmkg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, curated_graph

MMKG = [sys.executable, "-m", "mmkg.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MMKG, *args], capture_output=True, text=True, timeout=300, check=False)


def test_stats_lists_graphs_and_classes() -> None:
    proc = run("stats")
    assert proc.returncode == 0, proc.stderr
    assert INFERRED_GRAPH in proc.stdout and curated_graph("review-2019") in proc.stdout
    assert "mm:Result" in proc.stdout and "mm:Regimen" in proc.stdout


def test_build_writes_nquads_and_trig_with_named_graphs(tmp_path: Path) -> None:
    for name, fmt in (("graph.nq", ox.RdfFormat.N_QUADS), ("graph.trig", ox.RdfFormat.TRIG)):
        out = tmp_path / name
        proc = run("build", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        quads = list(ox.parse(path=out, format=fmt))
        names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        assert {ONTOLOGY_GRAPH, INFERRED_GRAPH, curated_graph("entities"), curated_graph("review-2019"),
                curated_graph("mele-2024"), curated_graph("discrepancies")} <= names
        assert not [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)], "all data sits in named graphs"
        assert len(quads) > 10000


def test_results_csv_has_the_contract_columns() -> None:
    proc = run("results")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows, "results must not be empty"
    for column in ("trial", "regimen", "population", "endpoint", "value", "unit", "status", "n", "source",
                   "location"):
        assert column in rows[0]
    assert all(r["source"] and r["location"] for r in rows), "every fact has a source and a location"
    # a missing value is never written as zero
    assert all(r["value"] != "0" for r in rows if r["status"] != "reported")


def test_results_has_exactly_one_row_per_result(store) -> None:  # type: ignore[no-untyped-def]
    from mmkg.results import result_rows

    from .conftest import select

    rows = result_rows(store)
    ids = [r["result"] for r in rows]
    assert len(ids) == len(set(ids))
    total = select(store, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a mm:Result }")[0]["n"]
    assert len(ids) == int(total)
    # a study-level result (no arm) never borrows a regimen from some other arm
    no_arm = select(store, "SELECT ?r WHERE { ?r a mm:Result ; mm:cohort ?c FILTER NOT EXISTS { ?c mm:inArm ?a } "
                           "FILTER NOT EXISTS { ?r mm:regimenAsPrinted ?p } }")
    no_arm_ids = {r["r"] for r in no_arm}
    assert no_arm_ids and all(r["regimen"] == "" for r in rows if r["result"] in no_arm_ids)
