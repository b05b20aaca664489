"""docs/linking.md's queries work as written, and federation works against a real second SPARQL server.

The second server is Oxigraph's own (the `oxigraph` CLI, a separate program) on 127.0.0.1, loaded with a
Wikidata-shaped slice written for these tests (tests/external/wikidata-slice.ttl). mmkg is started as a real server
that may reach it: by SERVICE (--federation-allow) and by the enrichment route (--external-endpoint).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from .conftest import LiveServer, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "linking.md"
SLICE = Path(__file__).resolve().parent / "external" / "wikidata-slice.ttl"
WIKIDATA = "https://query.wikidata.org/sparql"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def doc_queries() -> list[str]:
    return re.findall(r"```sparql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def external_sparql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Oxigraph's SPARQL server on 127.0.0.1 holding the Wikidata-shaped slice; yields its query URL."""
    assert OXIGRAPH.exists(), "the oxigraph server is a dev dependency (pip install -e '.[dev]')"
    location = tmp_path_factory.mktemp("oxigraph")
    subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", str(SLICE)], check=True,
                   capture_output=True, timeout=120)
    port = _free_port()
    log = location.parent / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(OXIGRAPH), "serve-read-only", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"oxigraph server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=15)
    shutil.rmtree(location, ignore_errors=True)


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: an endpoint that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture(scope="module")
def linked_server(external_sparql: str, silent_port: int) -> Iterator[LiveServer]:
    closed = _free_port()  # nothing listens here: an unreachable endpoint
    server = start_server(
        "--federation-allow", external_sparql,
        "--external-endpoint", f"wikidata={external_sparql}",
        "--external-endpoint", f"down=http://127.0.0.1:{closed}/sparql",
        "--external-endpoint", f"hangs=http://127.0.0.1:{silent_port}/sparql",
        "--external-timeout", "2",
    )
    yield server
    stop_server(server)


# ---------------------------------------------------------------- the documented queries


def test_doc_has_the_queries_the_issue_asks_for() -> None:
    queries = doc_queries()
    assert len(queries) >= 5
    assert any("CHEBI" in q or "chebi" in q for q in queries)
    assert any("clinicaltrials.gov/study/" in q for q in queries)
    assert sum("SERVICE" in q for q in queries) == 1


def _select(url: str, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    answer = client.queryAndConvert()
    assert isinstance(answer, dict)
    return [{k: v["value"] for k, v in b.items()} for b in answer["results"]["bindings"]]


def test_regimen_to_chebi_query(live_server: LiveServer) -> None:
    q = next(q for q in doc_queries() if "bioregistry.io/registry/chebi" in q)
    rows = _select(live_server.url + "sparql", q)
    by_drug: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_drug.setdefault(r["drugLabel"], []).append(r)
    assert set(by_drug) == {"carfilzomib", "daratumumab", "dexamethasone"}
    assert [r["chebi"] for r in by_drug["carfilzomib"]] == ["http://purl.obolibrary.org/obo/CHEBI_65347"]
    assert by_drug["carfilzomib"][0]["predicate"].endswith("exactMatch")
    assert {r["predicate"].rsplit("#", 1)[1] for r in by_drug["dexamethasone"]} == {"closeMatch"}
    assert len(by_drug["dexamethasone"]) == 2
    # the antibody has no ChEBI entity: the gap and its reason, not an empty cell
    dara = by_drug["daratumumab"][0]
    assert dara["chebi"] == "none verified" and "No ChEBI" in dara["gapReason"]


def test_trial_to_clinicaltrials_record_query(live_server: LiveServer) -> None:
    q = next(q for q in doc_queries() if "clinicaltrials.gov/study/" in q)
    rows = _select(live_server.url + "sparql", q)
    assert [(r["trialLabel"], r["record"], r["api"]) for r in rows] == [
        ("CASTOR", "https://clinicaltrials.gov/study/NCT02136134", "https://clinicaltrials.gov/api/v2/studies/NCT02136134"),
        ("IKEMA", "https://clinicaltrials.gov/study/NCT03275285", "https://clinicaltrials.gov/api/v2/studies/NCT03275285"),
    ]


def test_external_id_back_to_evidence_query(live_server: LiveServer) -> None:
    q = next(q for q in doc_queries() if "DB08889" in q)
    rows = _select(live_server.url + "sparql", q)
    assert rows and all("K" in r["regimenLabel"] for r in rows)  # every regimen holds carfilzomib (K)
    assert ("KPd", "EMN011/HO114", "median progression-free survival", "26") in {
        (r["regimenLabel"], r["trialLabel"], r["endpointLabel"], r.get("value")) for r in rows}


def test_mapping_gaps_query(live_server: LiveServer) -> None:
    q = next(q for q in doc_queries() if "?gap a mm:MappingGap" in q)
    rows = _select(live_server.url + "sparql", q)
    assert len(rows) == 150 and all(r["reason"] for r in rows)


def test_federated_query_joins_our_mappings_with_the_second_server(linked_server: LiveServer,
                                                                   external_sparql: str) -> None:
    q = next(q for q in doc_queries() if "SERVICE" in q).replace(WIKIDATA, external_sparql)
    rows = _select(linked_server.url + "sparql", q)
    assert {(r["drugLabel"], r["atc"]) for r in rows} == {
        ("carfilzomib", "L01XG02"), ("daratumumab", "L01FC01"), ("dexamethasone", "H02AB02")}
    assert {r["drugLabel"]: r.get("chebiId") for r in rows}["carfilzomib"] == "65347"


def test_federation_to_an_endpoint_not_allowed_is_refused(linked_server: LiveServer) -> None:
    q = next(q for q in doc_queries() if "SERVICE" in q)  # still names query.wikidata.org: not allowed
    r = httpx.post(linked_server.url + "sparql", data={"query": q}, timeout=30)
    assert r.status_code == 403 and "SERVICE" in r.text


# ---------------------------------------------------------------- enrichment from a configured endpoint


def test_external_facts_of_a_drug(linked_server: LiveServer) -> None:
    r = httpx.get(linked_server.url + "api/entities/drug/lenalidomide/external", params={"endpoint": "wikidata"},
                  timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["endpoint"]["name"] == "wikidata"
    assert {m["target"] for m in body["mappings"]} >= {"http://www.wikidata.org/entity/Q425681",
                                                      "http://purl.obolibrary.org/obo/CHEBI_63791"}
    facts = {(f["subject"], f["property_label"], f["value"]) for f in body["facts"]}
    assert ("http://www.wikidata.org/entity/Q425681", "ATC code", "L04AX04") in facts
    assert ("http://www.wikidata.org/entity/Q425681", "DrugBank ID", "DB00480") in facts
    values = {f["value"] for f in body["facts"]}
    assert "lénalidomide" not in values  # other languages are left out
    assert "Z99ZZ99" not in values  # only the mapped items are asked about
    assert body["truncated"] is False


def test_external_facts_of_a_regimen_are_those_of_its_drugs(linked_server: LiveServer) -> None:
    r = httpx.get(linked_server.url + "api/entities/regimen/dara-kd/external", timeout=30)
    assert r.status_code == 200
    labels = {f["value"] for f in r.json()["facts"] if f["property"].endswith("label")}
    assert {"carfilzomib", "daratumumab", "dexamethasone"} <= labels


def test_external_fact_limit_is_reported(linked_server: LiveServer) -> None:
    r = httpx.get(linked_server.url + "api/entities/drug/lenalidomide/external", params={"limit": 2}, timeout=30)
    assert r.status_code == 200 and len(r.json()["facts"]) == 2 and r.json()["truncated"] is True


def test_unreachable_endpoint_is_a_clear_502(linked_server: LiveServer) -> None:
    r = httpx.get(linked_server.url + "api/entities/drug/lenalidomide/external", params={"endpoint": "down"},
                  timeout=30)
    assert r.status_code == 502
    assert "external SPARQL endpoint 'down'" in r.json()["detail"] and "unreachable" in r.json()["detail"]


def test_hanging_endpoint_times_out_with_504(linked_server: LiveServer) -> None:
    started = time.monotonic()
    r = httpx.get(linked_server.url + "api/entities/drug/lenalidomide/external", params={"endpoint": "hangs"},
                  timeout=30)
    assert r.status_code == 504 and "did not answer within 2 s" in r.json()["detail"]
    assert time.monotonic() - started < 15


def test_unknown_endpoint_name_and_unknown_entity(linked_server: LiveServer) -> None:
    r = httpx.get(linked_server.url + "api/entities/drug/lenalidomide/external", params={"endpoint": "nope"},
                  timeout=30)
    assert r.status_code == 422 and "wikidata" in r.json()["detail"]
    r = httpx.get(linked_server.url + "api/entities/drug/nothing/external", timeout=30)
    assert r.status_code == 404


def test_no_endpoint_configured_is_503(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "api/entities/drug/lenalidomide/external", timeout=30)
    assert r.status_code == 503 and "--external-endpoint" in r.json()["detail"]


def test_cli_external_against_the_second_server(external_sparql: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "external", "drug/bortezomib", "--endpoint",
                           external_sparql], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "ATC code\tL01XG01" in proc.stdout


def test_cli_external_unreachable_is_an_error_not_a_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "external", "drug/bortezomib", "--endpoint",
                           f"http://127.0.0.1:{_free_port()}/sparql", "--timeout", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "unreachable" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_external_endpoint_option_is_an_error_not_a_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "serve", "--external-endpoint", "wikidata"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "write NAME=URL" in proc.stderr and "Traceback" not in proc.stderr
