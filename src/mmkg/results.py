"""`mmkg results`: one CSV row per quantitative fact (design notes, 'Contracts')."""

from __future__ import annotations

import csv
from typing import TextIO

from mmkg.graphstore import GraphStore
from mmkg.templates import plain, template

COLUMNS = [
    "trial", "regimen", "population", "endpoint", "value", "unit", "status", "n",
    "ci_lower", "ci_upper", "landmark_months", "comparator", "data_cut",
    "source", "location", "quote", "result",
]


# CSV column → template variable, where they differ (the template names IRIs after its slots).
_VARIABLE = {"trial": "trial_label", "regimen": "regimen_label", "population": "population_label",
             "endpoint": "endpoint_label", "source": "source_label"}


def result_rows(store: GraphStore) -> list[dict[str, str]]:
    return [{c: plain(solution[_VARIABLE.get(c, c)]) for c in COLUMNS} for solution in template("results").run(store)]


def write_results_csv(store: GraphStore, out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result_rows(store))
