"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graph-store: read a named graph (GET, HEAD) whole.
Writes (PUT, POST, DELETE, PATCH) are refused: 401 without credentials, 403 otherwise (see mmkg.auth)."""

from __future__ import annotations

import itertools

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from mmkg.api.deps import served_graph
from mmkg.api.negotiation import GRAPH_TYPES, NotAcceptable, choose
from mmkg.api.responses import media, refuse_other_methods, text_errors
from mmkg.auth import refuse_write
from mmkg.namespaces import PREFIXES

router = APIRouter(tags=["graph store"])

# A graph is sent whole or not at all; the cap is generous next to /sparql's row cap, since whole graphs are the point.
_GRAPH_CAP_FACTOR = 10


@router.api_route("/rdf-graph-store", methods=["GET", "HEAD"],
                  summary="Read one named graph (Graph Store Protocol); writes are refused",
                  responses={200: {"description": "the graph", "content": media(GRAPH_TYPES)},
                             **text_errors({400: "the graph is not named, or not by an absolute IRI",
                                            404: "no such named graph",
                                            406: "no acceptable RDF format",
                                            422: "the graph is larger than the server sends whole"})},
                  # required in the description; read by hand so that a missing one gets this route's message
                  openapi_extra={"parameters": [{"name": "graph", "in": "query", "required": True,
                                                 "schema": {"type": "string", "format": "iri"},
                                                 "description": "IRI of the named graph (listed at /ready)"}]})
def read_graph(request: Request) -> Response:
    graph = request.query_params.get("graph")
    if graph is None:
        # The default graph is the union of every named graph: too big to send whole; query it at /sparql.
        return PlainTextResponse("name a graph: ?graph=<IRI> (the default graph is the union of all named "
                                 "graphs; query it at /sparql)\n", status_code=400)
    try:
        name = ox.NamedNode(graph)
    except ValueError as exc:
        return PlainTextResponse(f"graph must be an absolute IRI: {exc}\n", status_code=400)
    served = served_graph(request)
    if graph not in served.graphs:
        return PlainTextResponse(f"no named graph {graph}; the served graphs are listed at /ready\n",
                                 status_code=404)
    try:
        media = choose(GRAPH_TYPES, request.headers.get("accept"), request.query_params.getlist("format"),
                       graph=True)
    except NotAcceptable as exc:
        return PlainTextResponse(f"{exc}\n", status_code=406)
    cap = request.app.state.settings.max_result_rows * _GRAPH_CAP_FACTOR
    quads = list(itertools.islice(served.store.quads_for_pattern(None, None, None, name), cap + 1))
    if len(quads) > cap:
        return PlainTextResponse(f"graph {graph} has more than {cap} triples; query it at /sparql with LIMIT\n",
                                 status_code=422)
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.TURTLE
    if fmt.supports_datasets:
        body = ox.serialize(quads, format=fmt) or b""
    else:
        body = ox.serialize((q.triple for q in quads), format=fmt, prefixes=PREFIXES) or b""
    return Response(body, media_type=media + ("; charset=utf-8" if media.startswith("text/") else ""),
                    headers={"Vary": "Accept"})


@router.api_route("/rdf-graph-store", methods=["PUT", "POST", "DELETE", "PATCH"],
                  summary="Graph Store writes: always refused (the graph is read-only)",
                  responses=text_errors({403: "read-only, for everyone"}))
def write_graph(request: Request) -> Response:
    return refuse_write(f"Graph Store {request.method}")


refuse_other_methods(router)
