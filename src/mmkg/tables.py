"""`mmkg table SOURCE N`: print a source table back from the graph, as Markdown or CSV.

The CSV is the long format of tests/golden/ (panel,row_position,row,column,part) so a test can compare the
graph with the hand-typed copy cell by cell."""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from dataclasses import dataclass

import pyoxigraph as ox

from mmkg.errors import MmkgError
from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID
from mmkg.templates import plain, template


@dataclass(frozen=True)
class CellPart:
    panel: str
    panel_position: int
    row_position: int
    row: str
    column_position: int
    column: str
    part: str


def table_iri(source: str, number: str) -> str:
    return f"{ID}table/{source}-t{number}"


def table_parts(store: GraphStore, source: str, number: str) -> list[CellPart]:
    iri = table_iri(source, number)
    if not list(store.quads_for_pattern(ox.NamedNode(iri), None, None)):
        raise MmkgError(f"no table {number} in source {source!r} ({iri}); see graph/{source}/source.ttl")
    parts = [
        CellPart(plain(s["panel"]), int(plain(s["panel_position"])), int(plain(s["row_position"])),
                 plain(s["row"]), int(plain(s["column_position"])), plain(s["column"]), plain(s["part"]))
        for s in template("table-cells").run(store, {"table": ox.NamedNode(iri)})
    ]
    return sorted(set(parts), key=lambda p: (p.panel_position, p.row_position, p.column_position, p.part))


def render_table(store: GraphStore, source: str, number: str, *, fmt: str = "md") -> str:
    parts = table_parts(store, source, number)
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["panel", "row_position", "row", "column", "part"])
        for p in parts:
            w.writerow([p.panel, p.row_position, p.row, p.column, p.part])
        return out.getvalue()
    return _markdown(parts, f"{source} Table {number}")


def _markdown(parts: list[CellPart], title: str) -> str:
    lines = [f"# {title}", ""]
    panels: OrderedDict[tuple[int, str], list[CellPart]] = OrderedDict()
    for p in parts:
        panels.setdefault((p.panel_position, p.panel), []).append(p)
    for (_, panel), cells in panels.items():
        if panel:
            lines += [f"## {panel}", ""]
        columns = sorted({(c.column_position, c.column) for c in cells})
        rows = sorted({(c.row_position, c.row) for c in cells})
        grid: dict[tuple[int, int], list[str]] = {}
        for c in cells:
            grid.setdefault((c.row_position, c.column_position), []).append(c.part)
        esc = _escape
        lines.append("| | " + " | ".join(esc(label) for _, label in columns) + " |")
        lines.append("|---" * (len(columns) + 1) + "|")
        for rpos, rlabel in rows:
            cells_text = [esc("<br>".join(grid.get((rpos, cpos), []))) for cpos, _ in columns]
            lines.append(f"| {esc(rlabel)} | " + " | ".join(cells_text) + " |")
        lines.append("")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")
