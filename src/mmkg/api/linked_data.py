"""Linked data: every https://w3id.org/mmkg/id/… IRI dereferences here under /id/…, as RDF by Accept (Turtle,
JSON-LD, N-Triples, RDF/XML) or as a readable HTML page for browsers."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from mmkg.api.deps import served_graph
from mmkg.api.negotiation import GRAPH_TYPES, HTML, NotAcceptable, choose
from mmkg.api.responses import errors, format_parameter, media, text_errors
from mmkg.api.rest import run_template
from mmkg.describe import describe, exists
from mmkg.graphstore import GraphStore
from mmkg.html import render_entity
from mmkg.namespaces import ID, MM, PREFIXES
from mmkg.query import term_value

router = APIRouter(tags=["linked data"])

_RDF_TYPES = [t for t in GRAPH_TYPES if t not in ("application/trig", "application/n-quads")]
# Which evidence to show on an entity's page: the REST filter its IRI fills, by the entity's class.
_EVIDENCE_FILTER = {
    str(MM.Study): "trial", str(MM.Regimen): "regimen", str(MM.Drug): "drug", str(MM.DrugClass): "drug_class",
    str(MM.Population): "population", str(MM.Endpoint): "endpoint", str(MM.ReviewArticle): "source",
}
_GAP_FILTERS = {"trial", "regimen", "population", "endpoint"}


def _evidence(request: Request, store: GraphStore, iri: str) -> tuple[list[Any], list[Any], list[Any]]:
    types = {term_value(q.object) for q in store.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None)}
    kind = next((k for cls, k in _EVIDENCE_FILTER.items() if cls in types), None)
    results: list[Any] = []
    gaps: list[Any] = []
    if kind is not None:
        node = ox.NamedNode(iri)
        results = run_template(request, "results", {kind: node}, limit=500)["items"]
        if kind in _GAP_FILTERS:
            gaps = run_template(request, "gaps", {kind: node}, limit=500)["items"]
    statements = run_template(request, "assertions-about", {"entity": ox.NamedNode(iri)}, limit=500)["items"]
    return results, gaps, statements


@router.get("/id/{path:path}", summary="Dereference an mmkg IRI (Turtle, JSON-LD, N-Triples, RDF/XML or HTML)",
            response_class=Response,
            responses={200: {"description": "the resource's description, in the negotiated format",
                             "content": media([HTML, *_RDF_TYPES])},
                       **errors({404: "no resource with this IRI in the graph"}),
                       **text_errors({406: "none of the formats asked for is available"})},
            openapi_extra={"parameters": [format_parameter([HTML, *_RDF_TYPES], graph=True)]})
def entity(request: Request, path: str) -> Response:
    served = served_graph(request)
    iri = ID + path
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise HTTPException(404, f"not a valid identifier: {path!r}") from None
    if not exists(served.store, iri):
        raise HTTPException(404, f"no resource {iri} in this graph; search labels at /api or query /sparql")
    try:
        media = choose([HTML, *_RDF_TYPES], request.headers.get("accept"), request.query_params.getlist("format"),
                       graph=True)
    except NotAcceptable as exc:
        return PlainTextResponse(str(exc) + "\n", status_code=406)
    triples = describe(served.store, iri)
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
    if media == HTML:
        results, gaps, statements = _evidence(request, served.store, iri)
        page = render_entity(served.store, iri, triples, str(request.base_url), results, gaps, statements)
        return HTMLResponse(page, headers=headers)
    fmt = ox.RdfFormat.from_media_type(media)
    assert fmt is not None
    body = ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TURTLE else None)
    return Response(body or b"", media_type=media, headers=headers)
