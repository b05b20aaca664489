"""The REST API: JSON lists and details for apps that do not write SPARQL. Every answer is produced by a query
file of queries/; the response names the template and carries the SPARQL that was run."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request

from mmkg.api.deps import served_store
from mmkg.api.responses import errors
from mmkg.graphstore import GraphStore
from mmkg.query import template_solutions
from mmkg.resolve import UnknownEntity
from mmkg.resolve import resolve as resolve_entity
from mmkg.templates import template

router = APIRouter(prefix="/api", tags=["rest"])

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]
# Which strings name an entity depends on the graph, so a filter's schema is any string; one naming nothing (or
# two things) is answered 422 with where to look.
FILTER_ERRORS = errors({422: "a filter names no entity of its kind, or names several (the message says where to "
                             "look), or limit/offset is out of range"})

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


def resolve(store: GraphStore, kind: str, value: str) -> ox.NamedNode:
    """resolve.resolve, with an unknown or ambiguous id answered 422."""
    try:
        return resolve_entity(store, kind, value)
    except UnknownEntity as exc:
        raise HTTPException(422, str(exc)) from None


def resolve_any(value: str) -> ox.NamedNode:
    """Any IRI (or an id path such as trial/castor) for the generic 'entity' slot."""
    iri = value if value.startswith(("http://", "https://")) else "https://w3id.org/mmkg/id/" + value.strip("/")
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise HTTPException(422, f"not an IRI: {value!r}") from None


def run_template(request: Request, template_id: str, filters: dict[str, str | ox.NamedNode | None], *,
                 limit: int = 1000, offset: int = 0) -> dict[str, Any]:
    """Run a template with filters: user-given ids/labels are resolved to IRIs (422 when unknown);
    an ox.NamedNode is taken as already resolved."""
    store = served_store(request)
    t = template(template_id)
    slot_names = {s.name for s in t.slots}
    slots: dict[str, ox.NamedNode | ox.Literal] = {}
    for param, value in filters.items():
        if value is None or value == "":
            continue
        slot = "study" if param == "trial" and "study" in slot_names else param
        if isinstance(value, ox.NamedNode):
            slots[slot] = value
        elif param == "entity":
            slots[slot] = resolve_any(value)
        else:
            slots[slot] = resolve(store, param, value)
    query = t.bind(slots)
    answer = template_solutions(store, query)
    names = [v.value for v in answer.variables]
    rows = [{n: _json_value(row[n]) for n in names} for row in answer]
    return {"template": t.id, "total": len(rows), "limit": limit, "offset": offset,
            "items": rows[offset:offset + limit], "sparql": query}


@router.get("/trials", summary="Studies, filterable by regimen, drug, drug class, population enrolled and phase",
            responses=FILTER_ERRORS)
def trials(request: Request, regimen: str | None = None, drug: str | None = None, drug_class: str | None = None,
           population: str | None = None, phase: str | None = None, limit: Limit = 100,
           offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-trials", {"regimen": regimen, "drug": drug, "drug_class": drug_class,
                                                 "population": population, "phase": phase}, limit=limit, offset=offset)


@router.get("/trials/{trial_id}", summary="One study: its facts, results, data gaps and what the sources say of it",
            responses=errors({404: "no study with this id, label or IRI"}))
def trial(request: Request, trial_id: str) -> dict[str, Any]:
    store = served_store(request)
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


@router.get("/regimens", summary="Regimens, filterable by drug, drug class", responses=FILTER_ERRORS)
def regimens(request: Request, drug: str | None = None, drug_class: str | None = None, limit: Limit = 100,
             offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-regimens", {"drug": drug, "drug_class": drug_class}, limit=limit,
                        offset=offset)


@router.get("/drugs", summary="Drugs, filterable by drug class", responses=FILTER_ERRORS)
def drugs(request: Request, drug_class: str | None = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-drugs", {"drug_class": drug_class}, limit=limit, offset=offset)


@router.get("/drug-classes", summary="Drug classes and their hierarchy")
def drug_classes(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-drug-classes", {}, limit=limit, offset=offset)


@router.get("/populations", summary="Population definitions")
def populations(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "list-populations", {}, limit=limit, offset=offset)


@router.get("/results", summary="Results, filterable by trial, regimen, drug, drug class, population, endpoint, source",
            responses=FILTER_ERRORS)
def results(request: Request, trial: str | None = None, regimen: str | None = None, drug: str | None = None,
            drug_class: str | None = None, population: str | None = None, endpoint: str | None = None,
            source: str | None = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "results", {"trial": trial, "regimen": regimen, "drug": drug,
                                             "drug_class": drug_class, "population": population,
                                             "endpoint": endpoint, "source": source}, limit=limit, offset=offset)


@router.get("/gaps", summary="Data gaps (stated and derived), filterable by trial, regimen, population, endpoint",
            responses=FILTER_ERRORS)
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
