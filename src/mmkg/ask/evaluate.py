"""Accuracy of the question layer on a hand-written question set (tests/questions/questions.tsv): a question counts
as correct when understood/not understood matches, and when understood, the template and every slot match
exactly. `python -m mmkg.ask.evaluate [FILE]` prints accuracy per split and the misses."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mmkg.ask.answer import context
from mmkg.ask.understand import understand
from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID, MM

DEFAULT_SET = Path(__file__).resolve().parents[3] / "tests" / "questions" / "questions.tsv"


@dataclass
class Case:
    id: str
    split: str
    question: str
    understood: bool
    template: str
    slots: dict[str, str]


@dataclass
class Outcome:
    case: Case
    correct: bool
    got_template: str | None
    got_slots: dict[str, str]


def short(iri: str) -> str:
    if iri.startswith(ID):
        return iri[len(ID):]
    if iri.startswith(str(MM)):
        return "vocab:" + iri[len(str(MM)):]
    return iri


def load_cases(path: Path = DEFAULT_SET) -> list[Case]:
    cases = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            slots = dict(pair.split("=", 1) for pair in row["slots"].split(";") if pair.strip())
            cases.append(Case(row["id"], row["split"], row["question"], row["understood"].strip() == "yes",
                              row["template"].strip(), {k.strip(): v.strip() for k, v in slots.items()}))
    return cases


def evaluate(store: GraphStore, cases: list[Case]) -> list[Outcome]:
    lexicon = context(store).lexicon
    outcomes = []
    for case in cases:
        u = understand(case.question, lexicon)
        got = {k: short(v) for k, v in u.slots.items()}
        correct = u.template is None if not case.understood else u.template == case.template and got == case.slots
        outcomes.append(Outcome(case, correct, u.template, got))
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    total, right = Counter[str](), Counter[str]()
    for o in outcomes:
        total[o.case.split] += 1
        right[o.case.split] += o.correct
    lines = [f"{split:22} {right[split]:4}/{total[split]:<4} {100 * right[split] / total[split]:5.1f} %"
             for split in sorted(total)]
    overall = sum(right.values()) / max(1, sum(total.values()))
    lines.append(f"{'overall':22} {sum(right.values()):4}/{sum(total.values()):<4} {100 * overall:5.1f} %")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from mmkg.build import build

    args = argv if argv is not None else sys.argv[1:]
    path = Path(args[0]) if args else DEFAULT_SET
    outcomes = evaluate(build().store, load_cases(path))
    for o in outcomes:
        if not o.correct:
            print(f"MISS {o.case.id} [{o.case.split}] {o.case.question!r}\n"
                  f"     expected {o.case.template or '(not understood)'} {o.case.slots}\n"
                  f"     got      {o.got_template or '(not understood)'} {o.got_slots}")
    print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
