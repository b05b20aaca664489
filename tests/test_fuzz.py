"""Fuzzing a live `mmkg serve` (issue 9): schemathesis over the whole OpenAPI surface, then hypothesis throwing
random and adversarial text at /api/ask and /sparql. The bar for every response: no 5xx (except the documented
503s named below), no Python stack trace or exception class in the body, and, for schemathesis, what the OpenAPI
document says of its status, media type and body. Seeded and bounded: CI runs the same cases, in under a minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from .conftest import LiveServer, start_server, stop_server

SEED = 20261121
REQUEST_TIMEOUT_S = 30  # far above the server's 3 s query limit: a request that needs it is a hang, not slowness
POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis's default

# Each relaxation is for one operation, for the reason given beside it; every other check stays on for it.
CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {"max-examples": 60, "deterministic": True, "database": "none"},
    "operations": [
        # A filter names an entity by id, label or IRI: which strings name one depends on the graph, which a
        # JSON Schema cannot say, so a schema-valid string may name nothing, answered 422 with where to look.
        *({"include-path": path, "checks": {"positive_data_acceptance": {"expected-statuses": [
            *POSITIVE_ACCEPTED, "422"]}}}
          for path in ("/api/trials", "/api/regimens", "/api/drugs", "/api/results", "/api/gaps", "/api/mappings")),
        # `format` names are matched case-insensitively and may be listed comma-separated, so its schema is any
        # string (responses.format_parameter); one naming no format this route has is answered 406.
        *({"include-path": path, "checks": {"positive_data_acceptance": {"expected-statuses": [
            *POSITIVE_ACCEPTED, "406"]}}}
          for path in ("/id/{path}", "/.well-known/void")),
        # A template's slots depend on the template id (listed at /api/templates), not expressible per path.
        {"include-path": "/api/templates/{template_id}",
         "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_ACCEPTED, "422"]}}},
        # The query's grammar is SPARQL's, not JSON Schema's: a schema-valid string is mostly not a query (400),
        # may be an update or a SERVICE call (403), may ask a format its form cannot take (406) or return more
        # rows than the cap (422).
        {"include-path": "/sparql",
         "checks": {"positive_data_acceptance": {"expected-statuses": [
             *POSITIVE_ACCEPTED, "400", "403", "406", "422"]}}},
    ],
})
# An application/sparql-query body is the query's text, sent as it is.
schemathesis.serializer.alias("application/sparql-query", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = start_server("--timeout", "3", "--workers", "2")
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def api_schema(server: LiveServer) -> Any:
    return schemathesis.openapi.from_url(server.url + "openapi.json", config=CONFIG)


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT_S) as http:
        yield http


# ---------------------------------------------------------------- what every response must not hold

_TRACE = re.compile(r"Traceback \(most recent call last\)|^\s*File \"/", re.MULTILINE)
_CLASS_DUMP = re.compile(r"<class '[\w.]+'>|\b(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit)\b(?=[:(])")
# The only 5xx answers that are not faults: the documented time limit and busy workers of /sparql, and the
# enrichment route of a server started without an external endpoint (a state of its configuration).
_ALLOWED_5XX = (
    ("/sparql", 503, re.compile(r"ran longer than the .* limit|query workers are busy")),
    ("/api/entities/{kind}/{entity_id}/external", 503, re.compile(r"no external SPARQL endpoint is configured")),
)


def server_fault(path: str, status: int, body: str, sent: str = "") -> str | None:
    """Why a response fails the bar, or None: a 5xx that is not an allowed one, or a body showing Python
    internals (an exception class name is only a leak if the request did not send it: answers echo questions)."""
    if status >= 500 and not any(path == p and status == s and r.search(body) for p, s, r in _ALLOWED_5XX):
        return f"server error {status}: {body[:300]!r}"
    if _TRACE.search(body):
        return f"stack trace in the body: {body[:600]!r}"
    dump = _CLASS_DUMP.search(body)
    if dump and dump.group() not in sent:
        return f"exception class {dump.group()!r} in the body: {body[:300]!r}"
    return None


def _sent(request: Any) -> str:
    body = request.body or b""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    return unquote_plus(request.url or "") + "\n" + text + "\n" + unquote_plus(text)


def no_server_fault(_ctx: Any, response: Any, case: Any) -> None:
    fault = server_fault(case.operation.path, response.status_code, response.text, _sent(response.request))
    assert fault is None, fault


# ---------------------------------------------------------------- the whole OpenAPI surface

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture()
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32 reads and rewrites the pytest item's private `_nodeid`, which pytest 9.2 no longer has
    # (its nodeid is computed); give it one to read. Drop this once schemathesis supports pytest 9.2.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
@pytest.mark.usefixtures("node_id_for_schemathesis")
def test_every_operation_holds_to_its_openapi_description(case: Any) -> None:
    # not_a_server_error is replaced by no_server_fault, which is the same check but for the 503s named above.
    case.call_and_validate(timeout=REQUEST_TIMEOUT_S, excluded_checks=[not_a_server_error],
                           additional_checks=[no_server_fault])


def test_the_openapi_document_declares_what_routes_answer(client: httpx.Client) -> None:
    paths = client.get("openapi.json").json()["paths"]
    assert set(paths["/sparql"]["get"]["responses"]["200"]["content"]) >= {
        "application/sparql-results+json", "text/csv", "text/turtle", "application/ld+json"}
    assert "application/sparql-query" in paths["/sparql"]["post"]["requestBody"]["content"]
    assert set(paths["/id/{path}"]["get"]["responses"]) >= {"200", "404", "406"}
    ask = paths["/api/ask"]["post"]
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Answer")
    assert set(paths["/api/trials/{trial_id}"]["get"]["responses"]) >= {"200", "404"}


@pytest.mark.parametrize(("path", "methods"), [("sparql", "GET, POST"), ("api/ask", "GET, POST"),
                                               ("api/templates/list-drugs", "GET, POST")])
def test_other_methods_get_405_naming_every_method_of_the_path(client: httpx.Client, path: str,
                                                               methods: str) -> None:
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        r = client.request(method, path)
        assert r.status_code == 405 and r.headers["allow"] == methods, (method, r.status_code, r.headers)


# ---------------------------------------------------------------- adversarial text

# Any text JSON can carry (no lone surrogates), control characters and NUL included.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
TEXT = st.text(ANY_CHAR, max_size=200) | st.text(ANY_CHAR, min_size=1500, max_size=3000)
FRAGMENTS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "{{", "}}}", "(", ")", "[", "]", ".", ";", ",",
    "?s ?p ?o", "?x", "$y", "<http://example.org/a>", "<", ">", "mm:Drug", "skos:prefLabel", "a", "_:b",
    "PREFIX mm: <https://w3id.org/mmkg/vocab#>", "PREFIX : <", "BASE <http://x/>", "INSERT DATA { <a> <b> <c> }",
    "DELETE WHERE { ?s ?p ?o }", "DROP ALL", "LOAD <http://example.org/>", "CLEAR DEFAULT",
    "SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o }", "SERVICE ?endpoint { }", "SERVICE SILENT <x> {}",
    "OPTIONAL", "UNION", "MINUS", "FILTER(", "BIND(", "AS", "VALUES ?x {", "GRAPH ?g", "FROM <x>", "FROM NAMED",
    "LIMIT 1", "OFFSET -1", "ORDER BY", "GROUP BY", "COUNT(*)", "REGEX(?o, \"(a+)+$\")", "\"", "'", '"""', "'''",
    "\\", "\\u0000", "\x00", "#", "\n", "\t", "\r", "é", "𝕊", "漢字", "\u202e", "\ufeff", "1e999999", "-0",
    "<<?s ?p ?o>>", "LATERAL", "ADJUST(", "* ", "&&", "||", "!", "^^", "@en", "true", "\"\"\"unterminated",
]
SPARQLISH = st.lists(st.sampled_from(FRAGMENTS) | st.text(ANY_CHAR, max_size=8), max_size=25).map(" ".join)
NESTED = st.integers(1, 120).map(lambda n: "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n)
PREFIX_BOMB = st.integers(1, 600).map(
    lambda n: "".join(f"PREFIX p{i}: <http://example.org/{i}#> " for i in range(n)) + "ASK { ?s ?p ?o }")
HUGE_VALUES = st.integers(1, 3000).map(
    lambda n: "SELECT ?x WHERE { VALUES ?x { " + " ".join(str(i) for i in range(n)) + " } }")
CHAINS = st.tuples(st.sampled_from([" && ", " || ", " + "]), st.integers(2, 400)).map(
    lambda c: "ASK { FILTER(" + c[0].join(["1"] * c[1]) + ") }")
QUERIES = SPARQLISH | TEXT | NESTED | PREFIX_BOMB | HUGE_VALUES | CHAINS

FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _send_query(client: httpx.Client, how: str, query: str) -> httpx.Response:
    if how == "get":
        return client.get("sparql", params={"query": query})
    if how == "form":
        return client.post("sparql", data={"query": query})
    return client.post("sparql", content=query.encode("utf-8"),
                       headers={"Content-Type": "application/sparql-query"})


def _check_sparql_answer(r: httpx.Response, query: str) -> None:
    event(f"status {r.status_code}")  # the mix of answers, in --hypothesis-show-statistics
    fault = server_fault("/sparql", r.status_code, r.text, query)
    assert fault is None, fault
    assert r.status_code in (200, 400, 403, 406, 413, 414, 422, 503), (r.status_code, r.text[:300])
    if r.status_code in (413, 414) and r.headers["content-type"] == "application/json":
        assert r.json()["detail"], r.text  # the request-limits middleware, in front of every route
    elif r.status_code >= 400:
        assert r.headers["content-type"].startswith("text/plain") and r.text.strip(), (r.status_code, r.text)


@pytest.mark.parametrize("how", ["get", "form", "body"])
@FUZZ
@given(query=QUERIES)
@example(query="SELECT * WHERE { ?s ?p ?o ")
@example(query="INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
@example(query="SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")
@example(query="SELECT * WHERE " + "{" * 5000 + "}" * 5000)
@example(query="ASK { FILTER(" + " && ".join(["true"] * 3000) + ") }")
@example(query="\x00")
def test_sparql_answers_any_text_with_a_result_or_a_clear_4xx(client: httpx.Client, how: str, query: str) -> None:
    _check_sparql_answer(_send_query(client, how, query), query)


@pytest.mark.parametrize("how", ["get", "form", "body"])
@settings(FUZZ, max_examples=50)
@given(query=st.sampled_from(["SELECT * WHERE { ?s ?p ?o", "ASK { ?s ?p }", "SELECT ?x WHERE { FILTER( }",
                              "CONSTRUCT { ?s ?p ?o WHERE { }", "SELECT * { ?s ?p ?o } LIMIT x"])
       | st.text(st.sampled_from("{}()[].;?x "), min_size=1, max_size=40).filter(lambda t: "{" in t)
       .map(lambda t: "SELECT * WHERE " + t))
def test_malformed_query_is_400_with_the_parsers_message(client: httpx.Client, how: str, query: str) -> None:
    r = _send_query(client, how, query)
    _check_sparql_answer(r, query)
    if r.status_code != 200:  # a random bracket string may happen to be a valid query
        assert r.status_code == 400 and re.search(r"error at \d+:\d+|nests brackets", r.text), r.text


QUESTIONS = (TEXT | SPARQLISH | st.lists(st.sampled_from(
    ["daratumumab", "carfilzomib", "vs", "PFS", "Len-R", "after 1 LOT", "DKd", "PVd", "which", "trials", "phase 3",
     "missing", "safety", "best", "ChEBI", "conflict", "how many", "lenalidomide-refractory", "OS", "VdD"]),
    min_size=1, max_size=10).map(" ".join))


def _check_answer(r: httpx.Response, question: str) -> None:
    event(f"status {r.status_code}" + (f", understood: {r.json()['understood']}" if r.status_code == 200 else ""))
    fault = server_fault("/api/ask", r.status_code, r.text, question)
    assert fault is None, fault
    if r.status_code == 422:  # only for no question, an empty one, or one over 2000 characters
        assert not question or len(question) > 2000, r.text
        assert r.json()["detail"], r.text
        return
    assert r.status_code == 200, (r.status_code, r.text[:300])
    answer = r.json()
    assert answer["question"] == question and answer["answer"]
    if answer["understood"]:
        assert answer["template"] and answer["sparql"]
    else:
        assert answer["template"] is None and answer["suggestions"]


@FUZZ
@given(question=QUESTIONS)
@example(question="daratumumab vs carfilzomib")  # once a 500: a comparison with no regimen to bind
@example(question="")
@example(question="x" * 2001)
@example(question="\x00")
@example(question="SELECT * WHERE { ?s ?p ?o } ; DROP ALL")
def test_ask_by_post_answers_any_text(client: httpx.Client, question: str) -> None:
    _check_answer(client.post("api/ask", json={"question": question}), question)


@settings(FUZZ, max_examples=150)
@given(question=QUESTIONS)
@example(question="isatuximab versus panobinostat")
def test_ask_by_get_answers_any_text(client: httpx.Client, question: str) -> None:
    _check_answer(client.get("api/ask", params={"q": question}), question)


@pytest.mark.parametrize("body", [{}, {"q": None}, {"q": ""}, {"question": 7}, [], "q"])
def test_ask_without_a_question_is_422_with_a_message(client: httpx.Client, body: object) -> None:
    r = client.post("api/ask", json=body)
    assert r.status_code == 422 and r.json()["detail"], r.text
    assert server_fault("/api/ask", r.status_code, r.text) is None
