"""The W3C SPARQL 1.1 Protocol test suite (../shared/conformance/sparql11-protocol), read as data from its manifest
and sent request by request to a live `mmkg serve`. The 27 query and error tests must pass; the 7 update tests must
be refused with a 4xx (the public endpoint is read-only)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection

from .conftest import CONFORMANCE, LiveServer

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
             "application/trig", "application/n-quads"}


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status: set[str]
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    local: str
    requests: list[ProtocolRequest]

    @property
    def is_update(self) -> bool:
        """One of the 7 tests that need SPARQL Update to succeed (bad_update_* expect 4xx anyway)."""
        return self.local.startswith("update_")


def load_manifest() -> list[ProtocolTest]:
    g = Graph().parse(CONFORMANCE / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(predicate=MF.entries))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            header_list = g.value(req, HT.headers)
            if header_list is not None:
                for h in Collection(g, header_list):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            requests.append(ProtocolRequest(
                method=str(g.value(req, HT.methodName)),
                path=str(g.value(req, HT.absolutePath)),
                headers=headers,
                body=body,
                expected_status={str(s).rsplit("StatusCode", 1)[1] for s in g.objects(resp, MF.expectedStatus)},
                expected_format=str(fmt) if fmt is not None else None,
                expected_boolean=bool(boolean.toPython()) if boolean is not None else None,
            ))
        tests.append(ProtocolTest(str(g.value(entry, MF.name)), str(entry).rsplit("#", 1)[1], requests))
    return tests


TESTS = load_manifest()


def _boolean(response: httpx.Response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return bool(json.loads(response.content)["boolean"])
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media))
    assert isinstance(parsed, ox.QueryBoolean)
    return bool(parsed)


def test_manifest_has_34_tests_7_of_them_updates() -> None:
    assert len(TESTS) == 34
    assert sum(t.is_update for t in TESTS) == 7


@pytest.mark.parametrize("test", TESTS, ids=[t.local for t in TESTS])
def test_protocol(live_server: LiveServer, test: ProtocolTest) -> None:
    for req in test.requests:
        # The manifest's paths start with /sparql/; rewrite them onto the endpoint under test.
        url = live_server.url.rstrip("/") + req.path.replace("/sparql/", "/sparql", 1)
        response = httpx.request(req.method, url, headers=req.headers, content=req.body, timeout=30)
        status_class = f"{response.status_code // 100}xx"
        if test.is_update:
            assert status_class == "4xx", f"update must be refused, got {response.status_code}"
            return
        assert status_class in req.expected_status, (
            f"{test.name}: status {response.status_code} not in {req.expected_status}: {response.text[:300]}")
        media = response.headers.get("content-type", "").split(";")[0]
        if req.expected_format == "boolean":
            value = _boolean(response)  # parses, or fails the test
            if req.expected_boolean is not None:
                assert value is req.expected_boolean
        elif req.expected_format == "tabular":
            assert media in RESULT_TYPES
        elif req.expected_format == "RDF":
            assert media in RDF_TYPES
            list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media)))
