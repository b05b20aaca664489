"""SHACL validation (pySHACL with the shapes in shapes/) plus the checks SHACL cannot express:
every quote must be found in the text of its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, Namespace
from rdflib.term import Node

from mmkg.namespaces import MM, PROV, curie
from mmkg.paths import ontology_dir, shapes_dir
from mmkg.query import solutions
from mmkg.sources import SOURCE_FILES, quote_found, source_text

SH = Namespace("http://www.w3.org/ns/shacl#")
MMKG_CHECK = Namespace("https://w3id.org/mmkg/checks#")


@dataclass
class Violation:
    """One problem, in the terms a curator acts on: which node, which property, which rule, which value."""

    focus_node: str
    path: str | None
    source_shape: str | None  # the NodeShape (a property shape is resolved to the node shape holding it)
    component: str  # SHACL constraint component IRI, or an mmkg check IRI
    message: str
    value: str | None = None
    severity: str = str(SH.Violation)
    files: list[Path] = field(default_factory=list)

    @property
    def is_violation(self) -> bool:
        return self.severity == str(SH.Violation)

    def render(self, root: Path | None = None) -> str:
        def short(iri: str | None) -> str:
            return "-" if iri is None else curie(iri)

        where = ", ".join(str(p.relative_to(root)) if root and p.is_relative_to(root) else str(p) for p in self.files)
        lines = [
            f"{where or '(no file: inferred or blank node)'}",
            f"  node:     {short(self.focus_node)}",
            f"  property: {short(self.path)}",
            f"  rule:     {short(self.source_shape)} / {short(self.component)}",
        ]
        if self.value is not None:
            lines.append(f"  value:    {self.value}")
        lines.append(f"  problem:  {self.message}")
        return "\n".join(lines)


@dataclass
class ValidationReport:
    violations: list[Violation]

    @property
    def conforms(self) -> bool:
        return not any(v.is_violation for v in self.violations)


@cache
def _turtle_dir(directory: Path) -> Graph:
    g = Graph()
    for path in sorted(directory.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def _shapes_graph() -> Graph:
    return _turtle_dir(shapes_dir())


def _ontology_graph() -> Graph:
    return _turtle_dir(ontology_dir())


def _node_shape_of(shapes: Graph, shape: Node) -> Node:
    parent = shapes.value(predicate=SH.property, object=shape)
    return parent if parent is not None else shape


def _term(node: Node | None) -> str | None:
    return None if node is None else str(node)


def validate_graph(data: Graph, *, include_ontology: bool = True) -> ValidationReport:
    """Run every shape of shapes/ over `data` (plus the ontology, so subclass links and terms are visible)."""
    shapes = _shapes_graph()
    if len(shapes) == 0:
        return ValidationReport([])
    union = Graph()
    for triple in data:
        union.add(triple)
    if include_ontology:
        for triple in _ontology_graph():
            union.add(triple)
    _conforms, results, _text = shacl_validate(
        union, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    assert isinstance(results, Graph)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(result, SH.sourceShape)
        violations.append(
            Violation(
                focus_node=str(results.value(result, SH.focusNode)),
                path=_term(results.value(result, SH.resultPath)),
                source_shape=_term(_node_shape_of(shapes, shape)) if shape is not None else None,
                component=str(results.value(result, SH.sourceConstraintComponent)),
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                value=_term(results.value(result, SH.value)),
                severity=str(results.value(result, SH.resultSeverity) or SH.Violation),
            )
        )
    return ValidationReport(violations)


QUOTES_QUERY = """
SELECT ?assertion ?source ?quote WHERE {
  ?assertion mm:citation ?citation ; prov:wasDerivedFrom ?source .
  ?citation mm:quote ?quote .
}
"""


def check_quotes(store: ox.Store) -> list[Violation]:
    """Every quote must occur in the text of the review it is attributed to."""
    problems = []
    for row in solutions(store, QUOTES_QUERY):
        assertion, source, quote = row["assertion"], row["source"], row["quote"]
        text = source_text(source.value) if isinstance(source, ox.NamedNode) else None
        if text is None:
            if isinstance(source, ox.NamedNode) and source.value in SOURCE_FILES:
                continue  # the source text is not available on this machine; nothing to check against
            problems.append(
                Violation(
                    focus_node=_ox_str(assertion), path=str(PROV.wasDerivedFrom), source_shape=None,
                    component=str(MMKG_CHECK.SourceTextKnown), value=_ox_str(source),
                    message="the source has no registered text, so its quotes cannot be checked; "
                    "register it in src/mmkg/sources.py",
                )
            )
        elif not quote_found(quote.value, text):
            problems.append(
                Violation(
                    focus_node=_ox_str(assertion), path=str(MM.quote), source_shape=None,
                    component=str(MMKG_CHECK.QuoteInSource), value=quote.value,
                    message=f"quote not found in {text.path.name}; copy the words exactly from the source "
                    "(line breaks as spaces; join interrupted pieces with ' … ')",
                )
            )
    return problems


def _ox_str(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)
