"""Every https://w3id.org/mmkg/id/… IRI dereferences under /id/… as RDF by Accept, or as an HTML page."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest

from .conftest import LiveServer

CASTOR = "https://w3id.org/mmkg/id/trial/castor"


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_rdf_by_accept(live_server: LiveServer, accept: str, fmt: ox.RdfFormat) -> None:
    r = httpx.get(live_server.url + "id/trial/castor", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    triples = list(ox.parse(r.content, format=fmt))
    about = [t for t in triples if t.subject == ox.NamedNode(CASTOR)]
    assert any(t.object == ox.NamedNode("https://w3id.org/mmkg/vocab#Trial") for t in about)
    assert any(t.object == ox.NamedNode(CASTOR) for t in triples), "incoming links are included"


def test_result_description_includes_its_citations(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "id/result/r2019-endeavor-kd-len-refractory-median-pfs",
                  headers={"Accept": "text/turtle"})
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    quotes = {t.object.value for t in triples if t.predicate.value == "https://w3id.org/mmkg/vocab#quote"}
    assert "8.6" in quotes and any("rather short" in q for q in quotes)


def test_html_page_for_browsers(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "id/trial/castor", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<h1>CASTOR</h1>" in page
    assert "clinical trial" in page and "phase 3" in page
    assert "class='gap" in page and "Not reported:" in page  # data gaps as visible callouts
    assert "7.8 months" in page  # a result with its value
    assert "rather" in page or "“" in page  # quotes are shown
    assert f'href="{live_server.url}id/arm/castor-dara-vd"' in page  # links to related entities, on this server


def test_every_kind_of_entity_dereferences(live_server: LiveServer) -> None:
    for path in ("regimen/dara-kd", "drug/daratumumab", "drug-class/anti-cd38-mab",
                 "population/len-refractory-1-prior-line", "endpoint/median-pfs", "source/mele-2024",
                 "gap/derived-castor-len-refractory-1-prior-line-median-os", "discrepancy/ikema-nct-number"):
        for accept in ("text/html", "text/turtle"):
            r = httpx.get(live_server.url + "id/" + path, headers={"Accept": accept})
            assert r.status_code == 200, (path, accept)


def test_unknown_iri_is_404_and_unacceptable_type_406(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "id/trial/no-such-trial", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and "no resource" in r.json()["detail"]
    r = httpx.get(live_server.url + "id/trial/castor", headers={"Accept": "image/png"})
    assert r.status_code == 406
