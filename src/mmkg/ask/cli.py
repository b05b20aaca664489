"""`mmkg ask "…"`: the answer as text (sentence, table, gaps, sources), or the whole object with --json."""

from __future__ import annotations

import json
import sys

from mmkg.ask.answer import answer_question
from mmkg.build import build
from mmkg.graphstore import GraphStore

MAX_TABLE_ROWS = 25
MAX_CELL = 40


def _cell(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def run_ask(question: str, store: GraphStore | None = None, *, as_json: bool = False) -> int:
    answer = answer_question(question, store if store is not None else build().store)
    if as_json:
        json.dump(answer, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    print(answer["answer"])
    if not answer["understood"]:
        print("\nTry:\n" + "\n".join(f"  - {s}" for s in answer["suggestions"]))
        return 0
    shown = [c for c in answer["columns"] if not c.endswith(("iri", "quote", "location")) and c not in
             ("result", "gap", "study", "arm", "cohort", "finding", "discrepancy", "assertion", "endpoint",
              "population", "source", "drug", "regimen", "drug_class")]
    if answer["rows"]:
        print()
        print(" | ".join(shown))
        for row in answer["rows"][:MAX_TABLE_ROWS]:
            print(" | ".join(_cell(row.get(c, "")) for c in shown))
        if len(answer["rows"]) > MAX_TABLE_ROWS:
            print(f"… {len(answer['rows']) - MAX_TABLE_ROWS} more rows (--json for all)")
    if answer["gaps"]:
        print(f"\nData gaps ({len(answer['gaps'])}):")
        for gap in answer["gaps"][:15]:
            who = "derived" if gap["origin"] == "derived" else f"stated, {gap['source_label']}"
            where = f"{gap['study_label']}: {gap['endpoint_label']} in {gap['population_label']}"
            print(f"  - {where} ({gap['kind']}; {who})")
    if answer["sources"]:
        print("\nSources:")
        for src in answer["sources"][:8]:
            print(f"  - {src['source']}, {src['location']}: “{_cell(src['quote'])}”")
    return 0
