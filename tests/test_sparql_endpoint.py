"""/sparql with real clients (SPARQLWrapper, rdflib's SPARQLStore) in every result format, and raw HTTP checks of
the protocol's status codes and content types, against a live server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from .conftest import LiveServer

SELECT = """PREFIX mm: <https://w3id.org/mmkg/vocab#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?trial ?label WHERE { ?trial a mm:Trial ; skos:prefLabel ?label } ORDER BY ?label"""
CONSTRUCT = """PREFIX mm: <https://w3id.org/mmkg/vocab#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?r skos:prefLabel ?l } WHERE { ?r a mm:AntiCD38Triplet ; skos:prefLabel ?l }"""
ANTI_CD38_TRIPLETS = {"DVd", "DKd", "Isa-Kd", "DPd", "Isa-Pd", "MOR202-Pd", "DRd"}


@pytest.fixture(scope="module")
def trial_labels(store: ox.Store) -> set[str]:
    rows = store.query(SELECT, use_default_graph_as_union=True)
    return {row["label"].value for row in rows}


def wrapper(server: LiveServer, query: str, fmt: str, method: str) -> SPARQLWrapper:
    w = SPARQLWrapper(server.sparql)
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    return w


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_every_format(live_server: LiveServer, trial_labels: set[str], fmt: str,
                                           method: str) -> None:
    result = wrapper(live_server, SELECT, fmt, method).query()
    converted = result.convert()
    if fmt == JSON:
        labels = {b["label"]["value"] for b in converted["results"]["bindings"]}
    elif fmt == XML:
        labels = {lit.firstChild.data for lit in converted.getElementsByTagName("literal")}
    else:
        text = converted.decode("utf-8")
        if fmt == CSV:
            labels = {r["label"] for r in csv.DictReader(io.StringIO(text))}
        else:  # TSV cells are RDF terms in Turtle syntax: "CASTOR"@en
            rows = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
            labels = {r["?label"].rsplit("@", 1)[0][1:-1] for r in rows}
    assert labels == trial_labels
    assert len(labels) > 30


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, RDFXML, N3, XML])
def test_sparqlwrapper_construct_every_format(live_server: LiveServer, fmt: str) -> None:
    result = wrapper(live_server, CONSTRUCT, fmt, GET).query()
    converted = result.convert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(
        data=converted, format="turtle" if fmt in (TURTLE, N3) else "json-ld")
    assert {str(o) for o in graph.objects()} == ANTI_CD38_TRIPLETS


def test_sparqlwrapper_ask_and_describe(live_server: LiveServer) -> None:
    ask = wrapper(live_server, "ASK { <https://w3id.org/mmkg/id/trial/castor> ?p ?o }", JSON, GET).query()
    assert ask.convert()["boolean"] is True
    describe = wrapper(live_server, "DESCRIBE <https://w3id.org/mmkg/id/regimen/dara-kd>", TURTLE, GET).query()
    g = Graph().parse(data=describe.convert(), format="turtle")
    assert len(g) > 5


@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore_select_and_ask(live_server: LiveServer, trial_labels: set[str], return_format: str) -> None:
    graph = Graph(store=SPARQLStore(live_server.sparql, returnFormat=return_format))
    rows = list(graph.query(SELECT))
    assert {str(r.label) for r in rows} == trial_labels  # type: ignore[union-attr]
    assert bool(graph.query("ASK { ?s a <https://w3id.org/mmkg/vocab#Regimen> }").askAnswer)


def test_rdflib_sparqlstore_construct(live_server: LiveServer) -> None:
    # rdflib's default return format asks for SPARQL XML results or RDF/XML, so a CONSTRUCT gets RDF/XML.
    graph = Graph(store=SPARQLStore(live_server.sparql))
    built = graph.query(CONSTRUCT).graph
    assert built is not None and {str(o) for o in built.objects()} == ANTI_CD38_TRIPLETS


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
])
def test_select_content_negotiation(live_server: LiveServer, accept: str, expected: str) -> None:
    r = httpx.get(live_server.sparql, params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/trig", ox.RdfFormat.TRIG),
])
def test_construct_content_negotiation(live_server: LiveServer, accept: str, fmt: ox.RdfFormat) -> None:
    r = httpx.get(live_server.sparql, params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
    assert len(list(ox.parse(r.content, format=fmt))) == len(ANTI_CD38_TRIPLETS)


def test_format_parameter_for_browsers(live_server: LiveServer) -> None:
    r = httpx.get(live_server.sparql, params={"query": SELECT, "format": "csv"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = httpx.get(live_server.sparql, params={"query": SELECT, "format": "turtle"})
    assert r.status_code == 406 and "not available" in r.text


def test_406_when_no_acceptable_type(live_server: LiveServer) -> None:
    r = httpx.get(live_server.sparql, params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text


def test_malformed_query_is_400_with_the_parser_message(live_server: LiveServer) -> None:
    r = httpx.get(live_server.sparql, params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert r.text.startswith("malformed query: error at 1:")


@pytest.mark.parametrize("request_kwargs", [
    {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "content": "DELETE WHERE { ?s ?p ?o }",
     "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "GET", "params": {"update": "CLEAR ALL"}},
    {"method": "GET", "params": {"query": "DROP ALL"}},
    {"method": "POST", "data": {"query": "PREFIX x: <urn:x#> INSERT DATA { x:a x:b x:c }"}},
])
def test_update_is_forbidden(live_server: LiveServer, request_kwargs: dict[str, object]) -> None:
    kwargs = dict(request_kwargs)
    method = str(kwargs.pop("method"))
    r = httpx.request(method, live_server.sparql, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == 403
    assert "read-only" in r.text
    count = httpx.get(live_server.sparql, params={"query": "ASK { <urn:a> ?p ?o }"}).json()
    assert count["boolean"] is False


def test_service_description(live_server: LiveServer) -> None:
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD)):
        r = httpx.get(live_server.sparql, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        triples = list(ox.parse(r.content, format=fmt))
        predicates = {t.predicate.value for t in triples}
        sd = "http://www.w3.org/ns/sparql-service-description#"
        assert {sd + "endpoint", sd + "supportedLanguage", sd + "resultFormat", sd + "defaultDataset"} <= predicates
        graphs = {t.object.value for t in triples if t.predicate.value == sd + "name"}
        assert "https://w3id.org/mmkg/graph/inferred" in graphs


def test_void_description(live_server: LiveServer, store: ox.Store) -> None:
    r = httpx.get(live_server.url + ".well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    void = "http://rdfs.org/ns/void#"
    by_predicate: dict[str, list[str]] = {}
    for t in triples:
        by_predicate.setdefault(t.predicate.value, []).append(t.object.value)
    assert int(by_predicate[void + "triples"][0]) >= len(store)
    assert "https://creativecommons.org/licenses/by/4.0/" in by_predicate["http://purl.org/dc/terms/license"]
    assert len(by_predicate[void + "exampleResource"]) >= 3
    assert len(by_predicate[void + "classPartition"]) > 20
    assert len(by_predicate[void + "subset"]) >= 5


def test_cors_allows_reads(live_server: LiveServer) -> None:
    r = httpx.get(live_server.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = httpx.options(live_server.sparql, headers={"Origin": "https://app.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]
    denied = httpx.options(live_server.sparql, headers={"Origin": "https://app.example",
                                                         "Access-Control-Request-Method": "DELETE"})
    assert denied.status_code == 400


def test_default_graph_is_the_union_and_named_graphs_stay_addressable(live_server: LiveServer) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/mmkg/graph/inferred> { ?s a ?c } }"
    inferred = int(httpx.get(live_server.sparql, params={"query": q}).json()["results"]["bindings"][0]["n"]["value"])
    assert inferred > 100
    q = "ASK { <https://w3id.org/mmkg/id/regimen/dara-kd> a <https://w3id.org/mmkg/vocab#AntiCD38Triplet> }"
    assert httpx.get(live_server.sparql, params={"query": q}).json()["boolean"] is True
    only_entities = httpx.get(live_server.sparql, params={
        "query": q, "default-graph-uri": "https://w3id.org/mmkg/graph/curated/entities"}).json()
    assert only_entities["boolean"] is False  # inferred types are not in the curated graph


def test_query_time_header(live_server: LiveServer) -> None:
    r = httpx.get(live_server.sparql, params={"query": "ASK {}"})
    assert float(r.headers["x-query-time-ms"]) >= 0
    assert json.loads(r.content)["boolean"] is True


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://127.0.0.1:9/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
])
def test_federated_queries_are_refused_unless_allowed(live_server: LiveServer, query: str) -> None:
    # the server must not make requests to addresses a client chooses (SSRF)
    r = httpx.get(live_server.sparql, params={"query": query})
    assert r.status_code == 403 and "SERVICE" in r.text
