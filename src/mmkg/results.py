"""`mmkg results`: one CSV row per quantitative fact (design notes, 'Contracts')."""

from __future__ import annotations

import csv
from typing import TextIO

import pyoxigraph as ox

from mmkg.templates import plain, template

COLUMNS = [
    "trial", "regimen", "population", "endpoint", "value", "unit", "status", "n",
    "ci_lower", "ci_upper", "landmark_months", "comparator", "data_cut",
    "source", "location", "quote", "result",
]


def result_rows(store: ox.Store) -> list[dict[str, str]]:
    rows = []
    for solution in template("results").run(store):
        rows.append({c: plain(solution[c]) for c in COLUMNS})
    return rows


def write_results_csv(store: ox.Store, out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result_rows(store))
