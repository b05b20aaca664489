"""The embedded store's rewrite of template OPTIONALs into per-row lookups (mmkg.lateral): text handled safely,
and every template gives the same rows with and without it."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from mmkg.lateral import lateral_optionals
from mmkg.query import solutions
from mmkg.templates import load_templates

ID = "https://w3id.org/mmkg/id/"
MM = "https://w3id.org/mmkg/vocab#"
# values present in the curated graph, per slot name, so that each binding narrows to real rows
VALUES = {"study": ID + "trial/castor", "regimen": ID + "regimen/kd", "regimen2": ID + "regimen/vd",
          "drug": ID + "drug/daratumumab", "drug_class": ID + "drug-class/anti-cd38-mab",
          "regimen_class": MM + "AntiCD38Regimen", "population": ID + "population/len-refractory",
          "endpoint": ID + "endpoint/median-pfs", "entity": ID + "trial/castor", "kind": MM + "RealWorldStudy",
          "source": ID + "source/mele-2024", "table": ID + "table/mele-2024-t1"}


def test_each_optional_is_wrapped_and_nesting_kept() -> None:
    q = "SELECT * WHERE { ?a <p> ?b OPTIONAL { ?b <q> ?c OPTIONAL { ?c <r> ?d } } }"
    assert lateral_optionals(q) == ("SELECT * WHERE { ?a <p> ?b LATERAL { OPTIONAL { ?b <q> ?c "
                                    "LATERAL { OPTIONAL { ?c <r> ?d } } } } }")


@pytest.mark.parametrize("text", ['"OPTIONAL { x"', "'''OPTIONAL {'''", "# OPTIONAL {\n", "<http://e.org/OPTIONAL>",
                                  "?xOPTIONAL", '"a \\" OPTIONAL {"'])
def test_strings_comments_iris_and_names_are_left_alone(text: str) -> None:
    q = f"SELECT * WHERE {{ ?a <p> {text} }}" if not text.startswith("?") else f"SELECT {text} WHERE {{ }}"
    assert lateral_optionals(q) == q


def _bindings(slots: list[str], required: list[str]) -> list[dict[str, ox.NamedNode]]:
    base = {name: ox.NamedNode(VALUES[name]) for name in required}
    out = [base]
    out += [{**base, name: ox.NamedNode(VALUES[name])} for name in slots if name not in required and name in VALUES]
    return out


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    # GROUP_CONCAT's order is left to the engine: compare its parts as a set
    if isinstance(term, ox.Literal) and " | " in term.value:
        return " | ".join(sorted(term.value.split(" | ")))
    return "" if term is None else str(term)


def _rows(result: ox.QuerySolutions) -> Counter[tuple[str, ...]]:
    names = [v.value for v in result.variables]
    return Counter(tuple(_cell(s[n]) for n in names) for s in result)


@pytest.mark.parametrize("template_id", sorted(load_templates()))
def test_template_answers_the_same_with_per_row_optionals(template_id: str, store: ox.Store) -> None:
    t = load_templates()[template_id]
    for slots in _bindings([s.name for s in t.slots], [s.name for s in t.slots if s.required]):
        query = t.bind(slots)
        plain = _rows(solutions(store, query))
        rewritten = _rows(solutions(store, lateral_optionals(query)))
        assert rewritten == plain, f"{template_id} with {sorted(slots)}"


@pytest.mark.parametrize("query", ["SELECT * WHERE { OPTIONAL { ?a <p> ?b }", "SELECT * WHERE { ?a <p> ?b } }"])
def test_unbalanced_braces_are_an_error(query: str) -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        lateral_optionals(query)
