"""The SHACL shapes in shapes/ catch what they claim to catch, and nothing else.

tests/shapes/ holds one valid-<area>.ttl per shapes file (must conform) and one
invalid-<shape>-<defect>.ttl per constraint: a minimal self-contained graph with exactly one defect, whose
header says which shape and which constraint component must report it (and, for a property constraint on a
plain property, which property):

    # expect-shape: mmsh:ResultShape
    # expect-component: sh:MinCountConstraintComponent
    # expect-path: mm:cohort

Every violation a fixture produces must come from the expected shape (so a fixture cannot pass by tripping
something else), and every constraint of every shape must have a fixture (a new rule needs a failing example).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.plugins.sparql.processor import SPARQLProcessor, prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from mmkg.validation import validate_graph

ROOT = Path(__file__).resolve().parents[1]
SHAPES_DIR = ROOT / "shapes"
FIXTURES_DIR = Path(__file__).resolve().parent / "shapes"
ONTOLOGY = ROOT / "ontology" / "mmkg.ttl"

SH = Namespace("http://www.w3.org/ns/shacl#")
MM = Namespace("https://w3id.org/mmkg/vocab#")
MMSH = Namespace("https://w3id.org/mmkg/shapes#")
HEADER_PREFIXES = {
    "sh": str(SH),
    "mm": str(MM),
    "mmsh": str(MMSH),
    "rdfs": str(RDFS),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "sssom": "https://w3id.org/sssom/",
    "pav": "http://purl.org/pav/",
}

# Constraint parameters -> the component that reports them (only those the shapes use; an unknown parameter
# fails test_every_parameter_is_known so this table cannot silently fall behind).
COMPONENT_OF_PARAMETER: dict[Node, URIRef] = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
}
# Shape triples that are not constraints.
NON_CONSTRAINT: set[Node] = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.message,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.target,
    SH.property,
    SH.path,
    SH.name,
    SH.description,
    SH.flags,
}


def expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    if prefix not in HEADER_PREFIXES:
        raise ValueError(f"unknown prefix in fixture header: {curie}")
    return HEADER_PREFIXES[prefix] + local


@dataclass(frozen=True)
class Expectation:
    shape: str
    component: str
    path: str | None


def read_expectation(fixture: Path) -> Expectation:
    header: dict[str, str] = {}
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep and key.startswith("expect-"):
            header[key] = value.strip()
    assert "expect-shape" in header and "expect-component" in header, (
        f"{fixture.name}: missing expect- header"
    )
    path = header.get("expect-path")
    return Expectation(
        expand(header["expect-shape"]), expand(header["expect-component"]), expand(path) if path else None
    )


@cache
def shapes_graph() -> Graph:
    g = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def node_shapes() -> list[URIRef]:
    g = shapes_graph()
    return sorted(s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef))


def constraints() -> set[Expectation]:
    """Every (node shape, property or None, component) that a fixture must exercise.

    A property constraint on a plain property is identified by that property; node-level constraints and
    constraints on a complex path (whose reported path is a copied blank node) by None.
    """
    g = shapes_graph()
    found: set[Expectation] = set()
    for shape in node_shapes():
        for param in g.predicates(shape, None):
            if param in COMPONENT_OF_PARAMETER:
                found.add(Expectation(str(shape), str(COMPONENT_OF_PARAMETER[param]), None))
        for prop in g.objects(shape, SH.property):
            path = g.value(prop, SH.path)
            key = str(path) if isinstance(path, URIRef) else None
            for param in g.predicates(prop, None):
                if param in COMPONENT_OF_PARAMETER:
                    found.add(Expectation(str(shape), str(COMPONENT_OF_PARAMETER[param]), key))
    return found


def fixtures(kind: str) -> list[Path]:
    return sorted(FIXTURES_DIR.glob(f"{kind}-*.ttl"))


def load(fixture: Path) -> Graph:
    g = Graph()
    g.parse(fixture, format="turtle")
    return g


def describe(violations: list[Any]) -> str:
    return "\n".join(
        f"  {v.source_shape} / {v.component} path={v.path} focus={v.focus_node} value={v.value}: {v.message}"
        for v in violations
    )


@pytest.fixture(scope="module", autouse=True)
def reuse_parsed_sparql() -> Iterator[None]:
    """Parse each SPARQL query once for this module (the keyword names are rdflib's).

    pySHACL hands rdflib every SPARQL target and constraint as text, and rdflib parses it again on each
    call (~50 ms). The fixtures run the same few queries hundreds of times, so keep rdflib's prepared form,
    which is made to be re-run with different bindings. Validation results are unchanged; only time is saved.
    """
    original = SPARQLProcessor.query
    prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}

    def query(
        self: SPARQLProcessor,
        str_or_query: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in prepared:
                prepared[key] = prepareQuery(str_or_query, initNs=initNs, base=base)
            str_or_query = prepared[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SPARQLProcessor, "query", query)
        yield


# ---------------------------------------------------------------- fixtures behave


@pytest.mark.parametrize("fixture", fixtures("valid"), ids=lambda p: p.stem)
def test_valid_fixture_conforms(fixture: Path) -> None:
    report = validate_graph(load(fixture))
    assert report.conforms, f"{fixture.name} should conform:\n{describe(report.violations)}"


@pytest.mark.parametrize("fixture", fixtures("invalid"), ids=lambda p: p.stem)
def test_invalid_fixture_is_caught_by_its_shape(fixture: Path) -> None:
    expected = read_expectation(fixture)
    report = validate_graph(load(fixture))
    violations = [v for v in report.violations if v.is_violation]
    assert not report.conforms, f"{fixture.name} conforms, but should violate {expected.shape}"
    matching = [
        v
        for v in violations
        if v.source_shape == expected.shape
        and v.component == expected.component
        and (expected.path is None or v.path == expected.path)
    ]
    assert matching, f"{fixture.name}: no violation matches {expected}:\n{describe(violations)}"
    others = [v for v in violations if v.source_shape != expected.shape]
    assert not others, (
        f"{fixture.name}: violations from other shapes than {expected.shape}:\n{describe(others)}"
    )
    for v in matching:
        assert v.message and v.message != "constraint not met", f"{fixture.name}: violation without message"


# ---------------------------------------------------------------- every rule has a fixture


def test_every_node_shape_has_an_invalid_fixture() -> None:
    named = {read_expectation(f).shape for f in fixtures("invalid")}
    missing = [str(s) for s in node_shapes() if str(s) not in named]
    assert not missing, f"node shapes without an invalid fixture: {missing}"


def test_every_constraint_has_an_invalid_fixture() -> None:
    covered = {read_expectation(f) for f in fixtures("invalid")}
    # a fixture naming a path also covers the same constraint looked up without path
    covered |= {Expectation(e.shape, e.component, None) for e in covered}
    missing = sorted(constraints() - covered, key=lambda e: (e.shape, e.path or "", e.component))
    assert not missing, "constraints without an invalid fixture:\n" + "\n".join(map(str, missing))


def test_every_fixture_names_an_existing_constraint() -> None:
    known = constraints()
    known_any_path = {Expectation(e.shape, e.component, None) for e in known}
    for fixture in fixtures("invalid"):
        e = read_expectation(fixture)
        assert e in known or (e.path is None and e in known_any_path), f"{fixture.name}: {e} is no constraint"


def test_every_parameter_is_known() -> None:
    """A constraint parameter missing from COMPONENT_OF_PARAMETER would escape the coverage test."""
    g = shapes_graph()
    shapes: list[Node] = list(node_shapes())
    shapes += [p for s in node_shapes() for p in g.objects(s, SH.property)]
    unknown = {
        str(p)
        for s in shapes
        for p in g.predicates(s, None)
        if p not in COMPONENT_OF_PARAMETER and p not in NON_CONSTRAINT
    }
    assert not unknown, (
        f"unknown shape parameters (add them to COMPONENT_OF_PARAMETER or NON_CONSTRAINT): {unknown}"
    )


def test_one_valid_fixture_per_shapes_file() -> None:
    areas = {p.stem for p in SHAPES_DIR.glob("*.ttl")}
    valid = {p.stem.removeprefix("valid-") for p in fixtures("valid")}
    assert areas == valid


# ---------------------------------------------------------------- shapes are documented, cover the ontology


def test_every_shape_is_documented() -> None:
    g = shapes_graph()
    for shape in node_shapes():
        assert g.value(shape, RDFS.comment), f"{shape} has no rdfs:comment"
        for prop in g.objects(shape, SH.property):
            assert g.value(prop, SH.message), (
                f"a property shape of {shape} ({g.value(prop, SH.path)}) has no message"
            )
        for sparql in g.objects(shape, SH.sparql):
            assert g.value(sparql, SH.message), f"the SPARQL constraint of {shape} has no message"
        if any(g.value(shape, p) is not None for p in (SH["or"], SH.xone, SH["not"], SH["class"])):
            assert g.value(shape, SH.message), f"{shape} has a node-level constraint but no message"


def test_every_ontology_class_is_targeted() -> None:
    """Every class of ontology/mmkg.ttl but external (prov:) ones and the defined (inferred) classes."""
    onto = Graph().parse(ONTOLOGY, format="turtle")
    classes = {
        c
        for c in onto.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(str(MM)) and onto.value(c, OWL.equivalentClass) is None
    }
    targeted = set(shapes_graph().objects(None, SH.targetClass))
    missing = sorted(str(c) for c in classes - targeted)
    assert not missing, f"ontology classes no shape targets: {missing}"


def test_list_parameters_are_lists() -> None:
    """sh:in, sh:or and sh:xone take non-empty RDF lists (a Turtle slip would make a rule vacuous)."""
    g = shapes_graph()
    for param in (SH["in"], SH["or"], SH.xone):
        for _shape, members in g.subject_objects(param):
            assert isinstance(members, BNode) and len(Collection(g, members)) > 0, f"{param}: not a list"
