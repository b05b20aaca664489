"""Every cell of the four source tables, as recorded in the graph, equals the hand-typed golden copy
(tests/golden/, typed from the source text, never generated from the graph). Also checks `mmkg table` output."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from mmkg.tables import table_parts

GOLDEN = Path(__file__).parent / "golden"
TABLES = [("review-2019", "1"), ("review-2019", "2"), ("mele-2024", "1"), ("mele-2024", "2")]

Cell = tuple[str, int, str, str]  # panel, row position, row label, column label


def _norm(text: str) -> str:
    return " ".join(text.split())


def golden_cells(source: str, number: str) -> dict[Cell, set[str]]:
    cells: dict[Cell, set[str]] = {}
    with (GOLDEN / f"{source}-t{number}.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["panel"], int(row["row_position"]), _norm(row["row"]), row["column"])
            cells.setdefault(key, set()).add(_norm(row["part"]))
    return cells


def graph_cells(store: ox.Store, source: str, number: str) -> dict[Cell, set[str]]:
    cells: dict[Cell, set[str]] = {}
    for p in table_parts(store, source, number):
        cells.setdefault((p.panel, p.row_position, _norm(p.row), p.column), set()).add(_norm(p.part))
    return cells


@pytest.mark.parametrize(("source", "number"), TABLES)
def test_every_cell_matches_the_golden_copy(store: ox.Store, source: str, number: str) -> None:
    expected = golden_cells(source, number)
    actual = graph_cells(store, source, number)
    missing = {k: v - actual.get(k, set()) for k, v in expected.items() if v - actual.get(k, set())}
    extra = {k: v - expected.get(k, set()) for k, v in actual.items() if v - expected.get(k, set())}
    assert not missing, f"cells of the source table missing from the graph: {missing}"
    assert not extra, f"cells in the graph that the source table does not have: {extra}"


def test_golden_copies_are_substantial() -> None:
    counts = {f"{s}-t{n}": sum(len(v) for v in golden_cells(s, n).values()) for s, n in TABLES}
    assert counts["review-2019-t1"] == 44 and counts["mele-2024-t1"] == 73, counts


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_table_command_prints_the_table(fmt: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "table", "review-2019", "1", "--format", fmt],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(proc.stdout)))
        assert {"panel", "row_position", "row", "column", "part"} == set(rows[0])
        assert any(r["column"] == "Optimissm PVd" and r["part"] == "17.8" for r in rows)
    else:
        assert "| Len-refractory to any prior line, n= |" in proc.stdout
        assert "## Phase 1b/2 trials" in proc.stdout


def test_unknown_table_is_a_clear_error() -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "table", "review-2019", "9"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2
    assert "no table 9" in proc.stderr
