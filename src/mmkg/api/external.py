"""Mappings of an entity, and facts about its mapped IRIs from a configured external SPARQL endpoint."""

from __future__ import annotations

from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request

from mmkg.api.deps import served_store
from mmkg.api.responses import errors
from mmkg.api.rest import Limit, Offset, run_template
from mmkg.describe import exists
from mmkg.external import ExternalUnavailable, enrich
from mmkg.namespaces import ID
from mmkg.settings import Settings

router = APIRouter(prefix="/api", tags=["mappings"])


def _entity(request: Request, kind: str, entity_id: str) -> ox.NamedNode:
    try:
        node = ox.NamedNode(f"{ID}{kind}/{entity_id}")
    except ValueError:
        raise HTTPException(404, f"no entity {kind}/{entity_id}") from None
    if not exists(served_store(request), node.value):
        raise HTTPException(404, f"no entity {kind}/{entity_id} in the graph; its IRI would be {node.value}")
    return node


@router.get("/mappings", summary="SSSOM mappings to external ontologies and registries, with mapping gaps",
            responses=errors({422: "entity is not an IRI or an id path (drug/lenalidomide)"}))
def mappings(request: Request, entity: str | None = None, limit: Limit = 1000, offset: Offset = 0) -> dict[str, Any]:
    return run_template(request, "mappings", {"entity": entity}, limit=limit, offset=offset)


@router.get("/entities/{kind}/{entity_id}/mappings", summary="One entity's mappings and mapping gaps",
            responses=errors({404: "no entity kind/id in the graph"}))
def entity_mappings(request: Request, kind: str, entity_id: str) -> dict[str, Any]:
    return run_template(request, "mappings", {"entity": _entity(request, kind, entity_id)})


@router.get(
    "/entities/{kind}/{entity_id}/external",
    summary="Facts a configured external SPARQL endpoint holds about the IRIs this entity (or a regimen's drugs) "
    "is mapped to",
    responses=errors({404: "no entity kind/id in the graph",
                      422: "no configured endpoint of that name, or limit out of range",
                      502: "the endpoint is unreachable or did not answer SPARQL results",
                      503: "no external endpoint is configured (the server was started without "
                           "--external-endpoint NAME=URL)",
                      504: "the endpoint did not answer in time"}),
)
def external(
    request: Request, kind: str, entity_id: str,
    endpoint: Annotated[str | None, Query(description="name of a configured endpoint (default: the first)")] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="most facts to fetch")] = 500,
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    configured = {e.name: e for e in settings.external_endpoints}
    if not configured:
        raise HTTPException(503, "no external SPARQL endpoint is configured; start the server with "
                                 "--external-endpoint NAME=URL")
    if endpoint is not None and endpoint not in configured:
        raise HTTPException(422, f"unknown external endpoint {endpoint!r}; configured: {sorted(configured)}")
    target = configured[endpoint] if endpoint else settings.external_endpoints[0]
    node = _entity(request, kind, entity_id)
    try:
        result = enrich(served_store(request), node, target, timeout_s=settings.external_timeout_s, limit=limit)
    except ExternalUnavailable as exc:
        raise HTTPException(504 if exc.timed_out else 502, str(exc)) from None
    return result.as_json()
