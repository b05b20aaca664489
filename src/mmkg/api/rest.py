"""The REST API: JSON lists and details for apps that do not write SPARQL. Every answer is produced by a query
file of queries/; the response names the template and carries the SPARQL that was run."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request

from mmkg.namespaces import ID, MM
from mmkg.query import solutions, term_value
from mmkg.templates import template

router = APIRouter(prefix="/api", tags=["rest"])

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]

# Filter parameter → (slot name, class its value must be an instance of, IRI folders an id may live in)
KINDS: dict[str, tuple[str, list[str]]] = {
    "trial": (str(MM.Study), ["trial/", "study/"]),
    "study": (str(MM.Study), ["trial/", "study/"]),
    "regimen": (str(MM.Regimen), ["regimen/"]),
    "drug": (str(MM.Drug), ["drug/"]),
    "drug_class": (str(MM.DrugClass), ["drug-class/"]),
    "population": (str(MM.Population), ["population/"]),
    "endpoint": (str(MM.Endpoint), ["endpoint/"]),
    "source": (str(MM.ReviewArticle), ["source/"]),
    "phase": (str(MM.Phase), []),
}
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {_XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}


def _json_value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        if term.datatype.value in _NUMERIC:
            number = Decimal(term.value)
            return int(number) if number == number.to_integral_value() and "." not in term.value else float(number)
        if term.datatype.value == _XSD + "boolean":
            return term.value == "true"
    return term.value


def _store(request: Request) -> ox.Store:
    served = request.app.state.graphs.current
    if served is None:
        raise HTTPException(503, "the graph is not loaded yet")
    return served.store


def resolve(store: ox.Store, kind: str, value: str) -> ox.NamedNode:
    """An id (slug such as 'dara-kd', a label such as 'DKd', or a full IRI) to the IRI of an instance of the kind."""
    cls, folders = KINDS[kind]
    candidates = [value] if value.startswith(("http://", "https://")) else []
    candidates += [f"{ID}{folder}{value}" for folder in folders]
    if kind == "phase":
        candidates.append(f"{MM}Phase{value.replace('phase', '').replace(' ', '').replace('/', '_')}")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for iri in candidates:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            continue
        if ox.Quad(node, rdf_type, ox.NamedNode(cls)) in store or any(
                store.quads_for_pattern(node, rdf_type, ox.NamedNode(cls))):
            return node
    folded = value.casefold()
    labels = f"SELECT DISTINCT ?x ?l WHERE {{ ?x a {ox.NamedNode(cls)} ; skos:prefLabel|skos:altLabel ?l }}"
    rows = solutions(store, labels)
    matches = {term_value(row["x"]) for row in rows if term_value(row["l"]).casefold() == folded}
    if len(matches) == 1:
        return ox.NamedNode(matches.pop())
    listing = {"trial": "trials", "study": "trials", "drug_class": "drug-classes", "phase": "trials"}.get(
        kind, kind + "s")
    if matches:
        raise HTTPException(422, f"{kind} {value!r} is ambiguous: {sorted(matches)}; use the id")
    raise HTTPException(422, f"unknown {kind} {value!r}; see /api/{listing} for valid ids")


def run_template(request: Request, template_id: str, filters: dict[str, str | ox.NamedNode | None], *,
                 limit: int = 1000, offset: int = 0) -> dict[str, Any]:
    """Run a template with filters: user-given ids/labels are resolved to IRIs (422 when unknown);
    an ox.NamedNode is taken as already resolved."""
    store = _store(request)
    t = template(template_id)
    slot_names = {s.name for s in t.slots}
    slots: dict[str, ox.NamedNode | ox.Literal] = {}
    for param, value in filters.items():
        if value is None or value == "":
            continue
        slot = "study" if param == "trial" and "study" in slot_names else param
        slots[slot] = value if isinstance(value, ox.NamedNode) else resolve(store, param, value)
    query = t.bind(slots)
    answer = solutions(store, query)
    names = [v.value for v in answer.variables]
    rows = [{n: _json_value(row[n]) for n in names} for row in answer]
    return {"template": t.id, "total": len(rows), "limit": limit, "offset": offset,
            "items": rows[offset:offset + limit], "sparql": query}


@router.get("/trials", summary="Studies, filterable by regimen, drug, drug class, population enrolled and phase")
def trials(request: Request, regimen: str | None = None, drug: str | None = None, drug_class: str | None = None,
           population: str | None = None, phase: str | None = None, limit: Limit = 100,
           offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-trials", {"regimen": regimen, "drug": drug, "drug_class": drug_class,
                                                 "population": population, "phase": phase}, limit=limit, offset=offset)


@router.get("/trials/{trial_id}", summary="One study: its facts, results, data gaps and what the sources say of it")
def trial(request: Request, trial_id: str) -> dict[str, Any]:
    store = _store(request)
    try:
        iri = resolve(store, "trial", trial_id)
    except HTTPException as exc:
        raise HTTPException(404, f"no study {trial_id!r}; see /api/trials for valid ids") from exc
    summary = run_template(request, "list-trials", {"study": iri})
    return {
        "id": iri.value,
        "study": summary["items"][0] if summary["items"] else None,
        "results": run_template(request, "results", {"study": iri}),
        "gaps": run_template(request, "gaps", {"study": iri}),
        "statements": run_template(request, "assertions-about", {"entity": iri}),
    }


@router.get("/regimens", summary="Regimens, filterable by drug, drug class")
def regimens(request: Request, drug: str | None = None, drug_class: str | None = None, limit: Limit = 100,
             offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-regimens", {"drug": drug, "drug_class": drug_class}, limit=limit,
                        offset=offset)


@router.get("/drugs", summary="Drugs, filterable by drug class")
def drugs(request: Request, drug_class: str | None = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-drugs", {"drug_class": drug_class}, limit=limit, offset=offset)


@router.get("/drug-classes", summary="Drug classes and their hierarchy")
def drug_classes(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-drug-classes", {}, limit=limit, offset=offset)


@router.get("/populations", summary="Population definitions")
def populations(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-populations", {}, limit=limit, offset=offset)


@router.get("/results", summary="Results, filterable by trial, regimen, drug, drug class, population, endpoint, source")
def results(request: Request, trial: str | None = None, regimen: str | None = None, drug: str | None = None,
            drug_class: str | None = None, population: str | None = None, endpoint: str | None = None,
            source: str | None = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "results", {"trial": trial, "regimen": regimen, "drug": drug,
                                             "drug_class": drug_class, "population": population,
                                             "endpoint": endpoint, "source": source}, limit=limit, offset=offset)


@router.get("/gaps", summary="Data gaps (stated and derived), filterable by trial, regimen, population, endpoint")
def gaps(request: Request, trial: str | None = None, regimen: str | None = None, population: str | None = None,
         endpoint: str | None = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "gaps", {"trial": trial, "regimen": regimen, "population": population,
                                          "endpoint": endpoint}, limit=limit, offset=offset)


@router.get("/conflicts", summary="Conflicts and data-cut updates between assertions")
def conflicts(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "discrepancies", {}, limit=limit, offset=offset)


@router.get("/sources", summary="Review articles and the primary references they cite")
def sources(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-sources", {}, limit=limit, offset=offset)
