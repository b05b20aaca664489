"""The REST API over HTTP: lists, filters by id or label, details, pagination, 404/422, and the template and SPARQL
behind every answer."""

from __future__ import annotations

import httpx
import pytest

from .conftest import LiveServer


def get(server: LiveServer, path: str, **params: object) -> httpx.Response:
    return httpx.get(server.url + "api/" + path, params=params, timeout=30)


@pytest.mark.parametrize(("path", "template", "minimum"), [
    ("trials", "list-trials", 40), ("regimens", "list-regimens", 30), ("drugs", "list-drugs", 20),
    ("drug-classes", "list-drug-classes", 15), ("populations", "list-populations", 15),
    ("results", "results", 250), ("gaps", "gaps", 100), ("conflicts", "discrepancies", 10),
    ("sources", "list-sources", 70),
])
def test_lists(live_server: LiveServer, path: str, template: str, minimum: int) -> None:
    r = get(live_server, path, limit=1000)
    assert r.status_code == 200
    body = r.json()
    assert body["template"] == template
    assert body["total"] >= minimum and len(body["items"]) == min(body["total"], 1000)
    assert body["sparql"].startswith(f"#+ id: {template}")


def test_filters_accept_ids_labels_and_iris(live_server: LiveServer) -> None:
    by_id = get(live_server, "regimens", drug_class="anti-cd38-mab").json()
    by_label = get(live_server, "regimens", drug_class="anti-CD38 monoclonal antibody").json()
    by_iri = get(live_server, "regimens", drug_class="https://w3id.org/mmkg/id/drug-class/anti-cd38-mab").json()
    labels = {i["label"] for i in by_id["items"]}
    assert labels == {i["label"] for i in by_label["items"]} == {i["label"] for i in by_iri["items"]}
    assert {"DVd", "DKd", "Isa-Kd", "DPd", "Isa-Pd", "MOR202-Pd", "DRd"} == labels


def test_results_filtered_by_trial_regimen_population_endpoint(live_server: LiveServer) -> None:
    body = get(live_server, "results", trial="castor", regimen="DVd", population="len-refractory",
               endpoint="median-pfs").json()
    values = {(i["source"].rsplit("/", 1)[1], i["value"]) for i in body["items"]}
    assert values == {("review-2019", 7.8), ("mele-2024", 7.8)}  # both reviews, each with its own result
    assert {i["population_label"] for i in body["items"]} == {"lenalidomide-refractory regardless of prior lines"}
    assert all(i["quote"] and i["location"] for i in body["items"])


def test_results_by_drug_class_and_source(live_server: LiveServer) -> None:
    body = get(live_server, "results", drug_class="anti-cd38-mab", source="mele-2024", limit=1000).json()
    assert body["total"] > 20
    assert {i["source_label"] for i in body["items"]} == {"Mele et al. 2024 review"}
    assert {i["trial_label"] for i in body["items"]} >= {"CASTOR", "IKEMA", "CANDOR", "APOLLO"}


def test_pagination(live_server: LiveServer) -> None:
    first = get(live_server, "results", limit=10, offset=0).json()
    second = get(live_server, "results", limit=10, offset=10).json()
    assert len(first["items"]) == 10 and len(second["items"]) == 10
    assert not {i["result"] for i in first["items"]} & {i["result"] for i in second["items"]}
    assert first["total"] == second["total"]


def test_trial_detail(live_server: LiveServer) -> None:
    body = get(live_server, "trials/castor").json()
    assert body["study"]["nct"] == "NCT02136134"
    assert body["results"]["total"] > 10 and body["gaps"]["total"] > 3 and body["statements"]["total"] > 5
    derived = [g for g in body["gaps"]["items"] if g["origin"] == "derived"]
    assert derived and all(g["study_label"] == "CASTOR" for g in derived)


@pytest.mark.parametrize(("path", "params", "status", "message"), [
    ("trials/no-such-trial", {}, 404, "no study 'no-such-trial'"),
    ("results", {"regimen": "XYZ"}, 422, "unknown regimen 'XYZ'; see /api/regimens"),
    ("results", {"population": "martians"}, 422, "unknown population"),
    ("results", {"limit": 0}, 422, "greater than or equal to 1"),
    ("results", {"offset": -1}, 422, "greater than or equal to 0"),
    ("trials", {"phase": "9"}, 422, "unknown phase"),
])
def test_clear_errors(live_server: LiveServer, path: str, params: dict[str, object], status: int,
                      message: str) -> None:
    r = get(live_server, path, **params)
    assert r.status_code == status
    assert message in r.text


def test_openapi_documents_every_route(live_server: LiveServer) -> None:
    spec = httpx.get(live_server.url + "openapi.json").json()
    for path in ("/api/trials", "/api/trials/{trial_id}", "/api/regimens", "/api/drugs", "/api/drug-classes",
                 "/api/populations", "/api/results", "/api/gaps", "/api/conflicts", "/api/sources", "/sparql"):
        assert path in spec["paths"]
    assert httpx.get(live_server.url + "docs").status_code == 200


@pytest.mark.parametrize(("param", "value"), [("regimen", "dara-kd"), ("drug", "daratumumab"),
                                              ("drug_class", "anti-cd38-mab")])
def test_arm_filters_only_return_matching_arms(live_server: LiveServer, param: str, value: str) -> None:
    everything = get(live_server, "results", limit=1).json()["total"]
    body = get(live_server, "results", limit=1000, **{param: value}).json()
    assert 0 < body["total"] < everything
    assert all(item["arm"] for item in body["items"]), "a study-level cohort has no regimen to match"
    ids = [item["result"] for item in body["items"]]
    assert len(ids) == len(set(ids))
