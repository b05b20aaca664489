"""Materialise the defined classes and derived facts of ontology/rules/*.rq into the inferred named graph.

Serving needs no reasoner (and no Java): the rules are plain SPARQL CONSTRUCT queries run by Oxigraph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from mmkg.namespaces import INFERRED_GRAPH
from mmkg.paths import rules_dir
from mmkg.query import triples

MAX_ROUNDS = 10


@dataclass(frozen=True)
class Rule:
    path: Path
    text: str

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def statement(self) -> str:
        """The rule in English: the first comment line of the file."""
        first = self.text.lstrip().splitlines()[0]
        return first.lstrip("# ").strip()


def load_rules(directory: Path | None = None) -> list[Rule]:
    return [Rule(p, p.read_text(encoding="utf-8")) for p in sorted((directory or rules_dir()).glob("*.rq"))]


def apply_rules(store: ox.Store, rules: list[Rule] | None = None) -> int:
    """Run every rule until a round adds nothing; returns the number of inferred triples.

    Each rule sees the union of all graphs, including what earlier rules inferred.
    """
    rules = load_rules() if rules is None else rules
    inferred = ox.NamedNode(INFERRED_GRAPH)
    for _ in range(MAX_ROUNDS):
        before = len(store)
        for rule in rules:
            derived = list(triples(store, rule.text))
            store.extend(ox.Quad(t.subject, t.predicate, t.object, inferred) for t in derived)
        if len(store) == before:
            break
    else:
        raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds; check the rules for loops")
    return sum(1 for _ in store.quads_for_pattern(None, None, None, inferred))
