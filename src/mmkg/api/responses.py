"""What routes answer besides their JSON success, declared once so that the OpenAPI document says truthfully
which statuses and media types each route returns (tests/test_fuzz.py holds the live server to it): the error
bodies, the RDF and SPARQL result formats, and a 405 that names every method a path takes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from mmkg.api.negotiation import FORMAT_NAMES, GRAPH_FORMAT_NAMES, JSONLD, SPARQL_JSON


class Problem(BaseModel):
    """An error a route answers on purpose."""

    detail: str = Field(description="what is wrong and what to do about it")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where the bad value is: location, then parameter or field")
    msg: str
    type: str


class InvalidRequest(BaseModel):
    """422: a parameter or body that failed validation (a list of field errors, FastAPI's form), or a value
    that is well-formed but names nothing usable (a message, e.g. an unknown regimen)."""

    detail: str | list[FieldError]


def errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for JSON error bodies ({"detail": …}), by status, each with what it means here."""
    return {status: {"model": InvalidRequest if status == 422 else Problem, "description": text}
            for status, text in described.items()}


_TEXT = {"schema": {"type": "string"}}


def text_errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for plain-text error bodies (the SPARQL protocol's and the linked-data routes')."""
    return {status: {"description": text, "content": {"text/plain": _TEXT}} for status, text in described.items()}


def size_limit_errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for statuses a route answers in plain text and the request-limits middleware
    (mmkg.request_limits, in front of every route) answers in JSON."""
    return {status: {"model": Problem, "description": text, "content": {"text/plain": _TEXT}}
            for status, text in described.items()}


_TERM = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"enum": ["uri", "literal", "bnode", "triple"]}, "value": {},
                   "datatype": {"type": "string"}, "xml:lang": {"type": "string"}},
}
# SPARQL 1.1 Query Results JSON Format (W3C): a head, then either bindings or a boolean.
SPARQL_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}},
                                                  "link": {"type": "array", "items": {"type": "string"}}}},
        "results": {"type": "object", "required": ["bindings"],
                    "properties": {"bindings": {"type": "array",
                                                "items": {"type": "object", "additionalProperties": _TERM}}}},
        "boolean": {"type": "boolean"},
    },
}
_SCHEMAS: dict[str, dict[str, Any]] = {SPARQL_JSON: SPARQL_JSON_SCHEMA, JSONLD: {"type": ["object", "array"]}}


def media(types: Iterable[str]) -> dict[str, dict[str, Any]]:
    """A response's `content`: each media type with its schema (JSON ones), else as text."""
    return {t: {"schema": _SCHEMAS.get(t, {"type": "string"})} for t in types}


def format_parameter(available: Iterable[str], *, graph: bool) -> dict[str, Any]:
    """The `format` query parameter (negotiation.choose), for browsers that cannot set Accept. Its schema is any
    string: names are matched case-insensitively and may be comma-separated (SPARQLWrapper sends `json,xml`), so
    an enum would call accepted values invalid; the usable names are in the description, others answer 406."""
    offered = set(available)
    names = {name for name, media_type in FORMAT_NAMES.items() if media_type in offered}
    if graph:
        names |= {name for name, media_type in GRAPH_FORMAT_NAMES.items() if media_type in offered}
    usable = sorted(names | offered)
    return {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
            "description": "answer format instead of the Accept header (empty: by Accept); one of "
                           + ", ".join(usable) + ", or several, comma-separated: the first usable one wins",
            "examples": {name: {"value": name} for name in usable[:3]}}


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")
_REFUSAL = "method-not-allowed"  # the name of the routes added here, so that a second call skips them


def refuse_other_methods(router: APIRouter) -> None:
    """Call after a router's routes: every other method on each of its paths gets 405 with an Allow header naming
    all the methods the path takes. Starlette names only those of the first route matching the path, so a path
    served by a GET and a POST route said it allowed GET alone."""
    allowed: dict[str, set[str]] = {}
    for route in router.routes:
        if isinstance(route, APIRoute) and route.name != _REFUSAL:
            allowed.setdefault(route.path, set()).update(route.methods or ())
    for path, methods in allowed.items():
        others = [m for m in _METHODS if m not in methods]
        # One method: Starlette's own 405 names it. No method left: a route with none would match every method.
        if len(methods) < 2 or not others:
            continue
        # route.path already carries the router's prefix, which add_api_route adds again
        router.add_api_route(path.removeprefix(router.prefix), _refusal(", ".join(sorted(methods))),
                             methods=others, include_in_schema=False, name=_REFUSAL)


def _refusal(allow: str) -> Callable[[], JSONResponse]:
    def refuse() -> JSONResponse:
        return JSONResponse({"detail": f"method not allowed; this path takes {allow}"}, status_code=405,
                            headers={"Allow": allow})

    return refuse
