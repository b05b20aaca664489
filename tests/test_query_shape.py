"""Rule 1 of queries/README.md's query shape, checked on every template with every slot bound: no mandatory
pattern or VALUES after an OPTIONAL in the same group.

Oxigraph plans from a query's shape: a mandatory pattern after an OPTIONAL is joined with everything the OPTIONAL
produced (bench/scale.py measured 500 ms instead of 2 ms at 1.7 M quads for trial facts). The rule is read from
the SPARQL algebra (rdflib's translation), not from the text.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from mmkg.namespaces import PREFIXES
from mmkg.templates import Template, load_templates

_WRAPPERS = ("Filter", "Extend")


def _unwrap(node: CompValue) -> CompValue:
    """The pattern under FILTERs and BINDs of a group."""
    while node.name in _WRAPPERS:
        node = node.p
    return node


def _children(node: CompValue) -> list[CompValue]:
    out: list[CompValue] = []
    for value in node.values():
        items: list[Any] = value if isinstance(value, list) else [value]
        out.extend(v for v in items if isinstance(v, CompValue))
    return out


def shape_violations(sparql: str) -> list[str]:
    algebra = prepareQuery(sparql, initNs=PREFIXES).algebra
    found: list[str] = []

    def walk(node: CompValue) -> None:
        if node.name == "Join" and _unwrap(node.p1).name == "LeftJoin":
            right = _unwrap(node.p2)
            if (right.name == "BGP" and right.triples) or right.name == "ToMultiSet":
                found.append(f"mandatory pattern or VALUES after an OPTIONAL: {_describe(right)}")
        for child in _children(node):
            walk(child)

    walk(algebra)
    return found


def _describe(node: CompValue) -> str:
    node = _unwrap(node)
    if node.name == "BGP":
        return " . ".join(" ".join(t.n3() for t in triple) for triple in node.triples)[:200]
    return node.name


def _all_slots_bound(t: Template) -> str:
    dummy = {s.name: ox.NamedNode(f"https://example.org/{s.name}") for s in t.slots}
    return t.bind(dummy)


@pytest.mark.parametrize("template_id", sorted(load_templates()))
def test_template_follows_the_query_shape_rules(template_id: str) -> None:
    t = load_templates()[template_id]
    for sparql in (t.bind({s.name: ox.NamedNode("https://example.org/x") for s in t.slots if s.required}),
                   _all_slots_bound(t)):
        problems = shape_violations(sparql)
        assert problems == [], f"{t.path.name} (see queries/README.md, 'Query shape'): {problems}"


@pytest.mark.parametrize(("query", "problem"), [
    ("SELECT * WHERE { ?r mm:cohort ?c OPTIONAL { ?r mm:value ?v } ?c mm:inStudy ?s }", "after an OPTIONAL"),
    ("SELECT * WHERE { ?r mm:cohort ?c OPTIONAL { ?r mm:value ?v } VALUES ?c { mm:x } }", "after an OPTIONAL"),
    ("SELECT * WHERE { ?r mm:cohort ?c OPTIONAL { ?r mm:unit ?n . ?n skos:notation ?u } ?r a mm:Result }",
     "after an OPTIONAL"),
])
def test_the_checker_catches_each_defect(query: str, problem: str) -> None:
    violations = shape_violations(query)
    assert len(violations) == 1 and problem in violations[0], violations


def test_the_checker_accepts_the_right_shape() -> None:
    good = ("SELECT * WHERE { ?r mm:cohort ?c . ?c mm:inStudy ?s OPTIONAL { ?r mm:unit ?n "
            "OPTIONAL { ?n skos:notation ?u } } OPTIONAL { ?r mm:about ?x FILTER EXISTS { ?x a mm:Study } } }")
    assert shape_violations(good) == []
