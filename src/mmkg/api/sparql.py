"""The SPARQL 1.1 Protocol endpoint (/sparql): query by GET, POST form and POST application/sparql-query,
dataset parameters, content negotiation, a service description when no query is given. Read-only: updates are
refused with 403. Handlers are plain `def` (run in the thread pool): the engine call blocks."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from mmkg.api.negotiation import GRAPH_TYPES, SOLUTION_TYPES, NotAcceptable, choose
from mmkg.api.responses import format_parameter, media, refuse_other_methods, size_limit_errors, text_errors
from mmkg.auth import refuse_write
from mmkg.executor import ExecutorClosed, Overloaded, QueryFailed, QueryRequest, QueryTimeout, ResultTooLarge
from mmkg.query import FederationRefused, UpdateRefused, check_federation
from mmkg.service import service_description

router = APIRouter(tags=["sparql"])

MAX_QUERY_CHARS = 100_000



def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


def answer_query(request: Request, query: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    if len(query) > MAX_QUERY_CHARS:
        return _error(414, f"query longer than {MAX_QUERY_CHARS} characters")
    base_iri = str(request.url_for("sparql_get"))
    try:
        kind = request.app.state.parser.form(query, base_iri)
    except UpdateRefused:
        return refuse_write("SPARQL Update")
    except SyntaxError as exc:
        return _error(400, f"malformed query: {exc}")
    allowed = request.app.state.settings.federation_allow
    try:
        check_federation(query, allowed)
    except FederationRefused as exc:
        return _error(403, str(exc))
    accept = request.headers.get("accept")
    fmt = request.query_params.getlist("format")
    try:
        media = choose(SOLUTION_TYPES if kind != "graph" else GRAPH_TYPES, accept, fmt, graph=kind == "graph")
    except NotAcceptable as exc:
        return _error(406, str(exc))
    settings = request.app.state.settings
    job = QueryRequest(query, kind, media, default_graph=default_graphs,
                       named_graphs=named_graphs or None, max_rows=settings.max_result_rows, base_iri=base_iri,
                       federation_allow=allowed)
    try:
        result = request.app.state.graphs.run(job)
    except ExecutorClosed as exc:
        return _error(503, str(exc))
    except QueryTimeout as exc:
        return _error(503, str(exc))
    except Overloaded as exc:
        return _error(503, str(exc))
    except ResultTooLarge as exc:
        return _error(422, str(exc))
    except QueryFailed as exc:
        return _error(400, f"query could not be evaluated: {exc}")
    content_type = media + ("; charset=utf-8" if media.startswith("text/") or "json" in media else "")
    return Response(result.body, media_type=content_type,
                    headers={"X-Query-Time-Ms": f"{result.elapsed_s * 1000:.2f}", "Vary": "Accept"})


def _describe_service(request: Request) -> Response:
    try:
        media = choose(GRAPH_TYPES, request.headers.get("accept"), request.query_params.getlist("format"), graph=True)
    except NotAcceptable as exc:
        return _error(406, str(exc))
    served = request.app.state.graphs.current
    graphs = sorted(served.graphs) if served else []
    endpoint = str(request.url_for("sparql_get"))
    body = service_description(endpoint, graphs, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


# What the protocol answers, for the OpenAPI document. The parameters are read by hand (repeated ones count, and a
# form body may carry them too), so they are declared here rather than as handler arguments.
_EXAMPLE = ("PREFIX mm: <https://w3id.org/mmkg/vocab#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?drug ?label WHERE { ?drug a mm:Drug ; skos:prefLabel ?label } LIMIT 5")
_DATASET = [{"name": name, "in": "query", "required": False, "description": description,
             "schema": {"type": "array", "items": {"type": "string"}}}
            for name, description in (("default-graph-uri", "graphs whose union is the default graph"),
                                      ("named-graph-uri", "graphs GRAPH may name"))]
_PARAMETERS = [*_DATASET, format_parameter([*SOLUTION_TYPES, *GRAPH_TYPES], graph=True)]
_ANSWERS = {
    200: {"description": "query results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE; the service description "
                         "when no query is given), in the negotiated format",
          "content": media([*SOLUTION_TYPES, *GRAPH_TYPES])},
    **text_errors({
        400: "malformed query (the parser's message), more than one query, or a query that cannot be evaluated",
        403: "SPARQL Update, or SERVICE to an endpoint the server does not allow",
        406: "none of the formats asked for fits the query's form",
        422: "more result rows than the server's cap; page with LIMIT/OFFSET",
        503: "the query ran past the time limit and was stopped, or every query worker is busy",
    }),
    **size_limit_errors({414: "query longer than 100,000 characters, or a request target over the server's "
                              "limit (then send the query by POST)"}),
}
_POST_ANSWERS = {
    **_ANSWERS,
    **text_errors({415: "a body that is neither application/sparql-query nor application/x-www-form-urlencoded, "
                        "or not UTF-8"}),
    **size_limit_errors({413: "request body over the server's limit"}),
}
_QUERY_BODY = {"required": True, "content": {
    "application/sparql-query": {"schema": {"type": "string"}, "example": _EXAMPLE},
    "application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["query"],
        "properties": {"query": {"type": "string"}, **{d["name"]: d["schema"] for d in _DATASET}}}},
}}


@router.get("/sparql", name="sparql_get", summary="SPARQL query by GET, or the service description",
            response_class=Response, responses=_ANSWERS,
            openapi_extra={"parameters": [
                {"name": "query", "in": "query", "required": False, "example": _EXAMPLE,
                 "description": "the query; without it, the service description", "schema": {"type": "string"}},
                *_PARAMETERS]})
@router.get("/sparql/", include_in_schema=False)
def sparql_get(request: Request) -> Response:
    params = request.query_params
    queries = params.getlist("query")
    if params.getlist("update"):
        return refuse_write("SPARQL Update")
    if not queries:
        return _describe_service(request)
    if len(queries) > 1:
        return _error(400, "more than one query parameter")
    return answer_query(request, queries[0], params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))


@router.post("/sparql", summary="SPARQL query by POST (form-encoded or application/sparql-query)",
             response_class=Response, responses=_POST_ANSWERS,
             openapi_extra={"parameters": _PARAMETERS, "requestBody": _QUERY_BODY})
@router.post("/sparql/", include_in_schema=False)
async def sparql_post(request: Request) -> Response:
    # Reading the body needs the event loop; evaluation is handed to the thread pool below.
    from starlette.concurrency import run_in_threadpool

    header = request.headers.get("content-type", "")
    content_type = header.split(";")[0].strip().lower()
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", header, re.IGNORECASE)
    if charset and charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        return _error(415, f"the request body must be UTF-8 (got charset {charset.group(1)})")
    body = await request.body()
    if len(body) > MAX_QUERY_CHARS * 4:
        return _error(413, f"request body larger than {MAX_QUERY_CHARS * 4} bytes")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "the request body is not valid UTF-8")
    params = request.query_params
    if content_type == "application/sparql-update":
        return refuse_write("SPARQL Update")
    if content_type == "application/sparql-query":
        return await run_in_threadpool(answer_query, request, body.decode("utf-8", errors="replace"),
                                       params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        if form.get("update"):
            return refuse_write("SPARQL Update")
        queries = form.get("query", [])
        if len(queries) != 1:
            return _error(400, "a form-encoded request needs exactly one 'query' parameter")
        return await run_in_threadpool(answer_query, request, queries[0], form.get("default-graph-uri", []),
                                       form.get("named-graph-uri", []))
    return _error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")


# Last: after every route of this router, so each path's other methods get a 405 naming all its methods.
refuse_other_methods(router)
