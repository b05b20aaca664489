"""Turn what a user typed for an entity — a slug ('dara-kd'), a label ('DKd'), an IRI — into the IRI of an
instance of the expected kind. Shared by the REST API, the question layer and the MCP tools."""

from __future__ import annotations

import pyoxigraph as ox

from mmkg.errors import MmkgError
from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID, MM
from mmkg.query import solutions, term_value

# kind → (class its value must be an instance of, IRI folders an id may live in)
KINDS: dict[str, tuple[str, list[str]]] = {
    "trial": (str(MM.Study), ["trial/", "study/"]),
    "study": (str(MM.Study), ["trial/", "study/"]),
    "regimen": (str(MM.Regimen), ["regimen/"]),
    "regimen2": (str(MM.Regimen), ["regimen/"]),
    "comparator": (str(MM.Regimen), ["regimen/"]),
    "drug": (str(MM.Drug), ["drug/"]),
    "drug_class": (str(MM.DrugClass), ["drug-class/"]),
    "population": (str(MM.Population), ["population/"]),
    "endpoint": (str(MM.Endpoint), ["endpoint/"]),
    "source": (str(MM.ReviewArticle), ["source/"]),
    "phase": (str(MM.Phase), []),
    "status": (str(MM.StudyStatus), []),
    "table": (str(MM.SourceTable), ["table/"]),
}
# kinds whose values are vocabulary terms (mm:Triplet, mm:RealWorldStudy), not individuals
VOCAB_KINDS = {"regimen_class": str(MM.Regimen), "kind": str(MM.Study)}
LISTING = {"trial": "trials", "study": "trials", "drug_class": "drug-classes", "phase": "trials", "status": "trials",
           "regimen2": "regimens", "comparator": "regimens", "regimen_class": "regimens", "kind": "trials"}
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")


class UnknownEntity(MmkgError):
    def __init__(self, kind: str, value: str, matches: list[str] | None = None) -> None:
        listing = LISTING.get(kind, kind + "s")
        if matches:
            message = f"{kind} {value!r} is ambiguous: {sorted(matches)}; use the id"
        else:
            message = f"unknown {kind} {value!r}; see /api/{listing} for valid ids"
        super().__init__(message)
        self.kind, self.value, self.matches = kind, value, matches or []


def resolve(store: GraphStore, kind: str, value: str) -> ox.NamedNode:
    if kind in VOCAB_KINDS:
        return _resolve_class(store, kind, value)
    if kind not in KINDS:
        raise UnknownEntity(kind, value)
    cls, folders = KINDS[kind]
    candidates = [value] if value.startswith(("http://", "https://")) else []
    candidates += [f"{ID}{folder}{value}" for folder in folders]
    if kind == "phase":
        candidates.append(f"{MM}Phase{value.lower().replace('phase', '').strip().replace(' ', '').replace('/', '_')}")
    if kind == "status":
        candidates.append(f"{MM}Study{value.strip().capitalize()}")
    for iri in candidates:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            continue
        if any(store.quads_for_pattern(node, _RDF_TYPE, ox.NamedNode(cls))):
            return node
    folded = value.casefold()
    labels = f"SELECT DISTINCT ?x ?l WHERE {{ ?x a {ox.NamedNode(cls)} ; skos:prefLabel|skos:altLabel ?l }}"
    matches = {term_value(row["x"]) for row in solutions(store, labels) if term_value(row["l"]).casefold() == folded}
    if len(matches) == 1:
        return ox.NamedNode(matches.pop())
    raise UnknownEntity(kind, value, sorted(matches) if matches else None)


def _resolve_class(store: GraphStore, kind: str, value: str) -> ox.NamedNode:
    """A subclass of mm:Regimen (regimen_class) or of mm:Study (kind), by IRI, local name or label."""
    parent = ox.NamedNode(VOCAB_KINDS[kind])
    classes = {q.subject.value for q in store.quads_for_pattern(None, _SUBCLASS, parent)
               if isinstance(q.subject, ox.NamedNode)}
    folded = value.casefold().replace("vocab:", "").replace("mm:", "")
    for iri in classes:
        local = iri.rsplit("#", 1)[-1]
        labels = {term_value(q.object).casefold() for q in store.quads_for_pattern(ox.NamedNode(iri), None, None)
                  if q.predicate.value.endswith(("#label", "#prefLabel", "#altLabel"))}
        if value == iri or folded == local.casefold() or folded in labels:
            return ox.NamedNode(iri)
    raise UnknownEntity(kind, value)
