"""The question layer: accuracy on the hand-written question set, the answer contract, honest 'not reported'
answers with gaps and nearest evidence, no invented numbers, not-understood answers, ambiguity, and safety."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pyoxigraph as ox
import pytest

from mmkg.ask.answer import answer_question
from mmkg.ask.evaluate import evaluate, load_cases, report
from mmkg.ask.lexicon import build_lexicon
from mmkg.ask.understand import understand

from .conftest import LiveServer

CONTRACT = {"question", "understood", "template", "slots", "sparql", "answer", "columns", "rows", "gaps", "sources",
            "confidence", "alternatives", "suggestions"}
HEADLINE = "anti-CD38 triplets with Len-R PFS after 1 LOT"


@pytest.mark.parametrize("name", ["questions.tsv", "holdout-b.tsv"])
def test_accuracy_on_the_question_set_is_at_least_95_percent(store: ox.Store, name: str) -> None:
    from mmkg.ask.evaluate import DEFAULT_SET

    cases = load_cases(DEFAULT_SET.parent / name)
    assert len(cases) >= 150
    splits = {c.split for c in cases}
    assert splits == {"new-wording", "abbreviations", "typos", "combinations", "not-reported", "off-topic"}
    outcomes = evaluate(store, cases)
    accuracy = sum(o.correct for o in outcomes) / len(outcomes)
    assert accuracy >= 0.95, report(outcomes)
    for split in splits:
        in_split = [o for o in outcomes if o.case.split == split]
        assert sum(o.correct for o in in_split) / len(in_split) >= 0.85, report(outcomes)


def test_answer_contract(store: ox.Store) -> None:
    for question in (HEADLINE, "what is the weather in Paris", "Which trials tested daratumumab?"):
        answer = answer_question(question, store)
        assert set(answer) >= CONTRACT
        json.dumps(answer)  # serialisable as the API returns it


def test_headline_question_is_not_reported_with_gaps_and_nearest_evidence(store: ox.Store) -> None:
    answer = answer_question(HEADLINE, store)
    assert answer["understood"] and answer["template"] == "results"
    assert answer["slots"]["regimen_class"]["iri"].endswith("#AntiCD38Triplet")
    assert answer["slots"]["population"]["iri"].endswith("/len-refractory-1-prior-line")
    assert answer["rows"] == []
    assert answer["answer"].startswith("Not reported")
    gap_studies = {g["study_label"] for g in answer["gaps"]}
    assert {"CASTOR", "IKEMA", "CANDOR", "APOLLO", "MM-014"} <= gap_studies
    assert any(g["origin"] == "stated" and g["quote"] for g in answer["gaps"])
    assert "Nearest evidence" in answer["answer"]
    assert answer["nearest"]["rows"] and all(r["population_label"] != "lenalidomide-refractory after 1 prior line"
                                             for r in answer["nearest"]["rows"])
    assert answer["sources"] and all(s["quote"] and s["location"] for s in answer["sources"])


NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


@pytest.mark.parametrize("question", [
    "median PFS of PVd in lenalidomide-refractory patients after one prior line",
    "ORR of DKd", "which regimen has the longest PFS in Len-R patients", "DVd versus Vd in CASTOR",
    HEADLINE, "OS of KPd", "how many Len-R patients in ENDEAVOR",
])
def test_answer_never_states_a_number_the_graph_does_not_hold(store: ox.Store, question: str) -> None:
    answer = answer_question(question, store)
    rows = answer["rows"] + answer.get("nearest", {}).get("rows", [])
    held = {v for r in rows for v in r.values()} | {str(c) for c in range(0, 10)}
    held_numbers = {n for v in held for n in NUMBER.findall(str(v))}
    labels = " ".join(str(v) for r in rows for v in r.values()) + " " + json.dumps(answer["slots"])
    sentence = re.sub(r"\(and \d+ more in the table\)", "", answer["answer"])  # a row count, not a clinical value
    for number in NUMBER.findall(sentence):
        assert number in held_numbers or number in labels, f"{number} in {answer['answer']!r}"


@pytest.mark.parametrize("question", ["what is the weather in Paris", "asdfgh qwerty", "tell me a joke",
                                      "'; DROP TABLE trials; --", "best treatment for breast cancer"])
def test_not_understood_is_an_answer(store: ox.Store, question: str) -> None:
    answer = answer_question(question, store)
    assert answer["understood"] is False and answer["template"] is None and answer["rows"] == []
    assert 2 <= len(answer["suggestions"]) <= 3
    for suggestion in answer["suggestions"]:
        assert answer_question(suggestion, store)["understood"]


@pytest.mark.parametrize(("question", "drug"), [("daratumumab vs carfilzomib", "daratumumab"),
                                               ("isatuximab versus panobinostat PFS", "isatuximab")])
def test_comparing_drugs_that_are_no_regimen_alone_answers_the_first_drug(store: ox.Store, question: str,
                                                                         drug: str) -> None:
    # Found by tests/test_fuzz.py: head-to-head was chosen with no regimen to bind, and the API answered 500.
    answer = answer_question(question, store)
    assert answer["understood"] and answer["template"] == "results"
    assert answer["slots"]["drug"]["iri"].endswith("/drug/" + drug) and answer["rows"]
    assert "name the regimens to compare" in answer["answer"] and answer["confidence"] < 1.0


def test_comparing_a_drug_that_is_a_regimen_alone_stays_head_to_head(store: ox.Store) -> None:
    answer = answer_question("cilta-cel versus PVd", store)
    assert answer["template"] == "head-to-head" and answer["slots"]["regimen"]["label"]


def test_ambiguous_name_is_reported_in_alternatives() -> None:
    store = ox.Store()
    mm, skos = "https://w3id.org/mmkg/vocab#", "http://www.w3.org/2004/02/skos/core#"
    data = f"""
    <https://w3id.org/mmkg/id/regimen/a> a <{mm}Regimen> ; <{skos}prefLabel> "A-one"@en ; <{skos}altLabel> "XYd"@en .
    <https://w3id.org/mmkg/id/regimen/b> a <{mm}Regimen> ; <{skos}prefLabel> "B-two"@en ; <{skos}altLabel> "XYd"@en .
    """
    store.load(data.encode(), format=ox.RdfFormat.TURTLE)
    u = understand("which trials tested XYd", build_lexicon(store))
    assert u.alternatives and {c["label"] for c in u.alternatives[0]["candidates"]} == {"A-one", "B-two"}  # type: ignore[index]
    assert u.confidence < 1.0


@pytest.mark.parametrize("question", [
    'PFS of DVd"} } DROP ALL; SELECT * WHERE { ?s ?p ?o',
    "PFS of PVd in Len-R <https://evil.example/x> } INSERT DATA { <a> <b> <c> }",
    "ORR of Kd'); DELETE WHERE { ?s ?p ?o } #",
])
def test_question_text_cannot_change_the_query(store: ox.Store, question: str) -> None:
    before = len(store)
    answer = answer_question(question, store)
    assert answer["understood"]
    sparql = answer["sparql"]
    for fragment in ("DROP", "INSERT", "DELETE", "evil.example", '"}'):
        assert fragment not in sparql
    # the query run is the template with the linked entities bound as IRIs, nothing else
    from mmkg.namespaces import sparql_prologue
    from mmkg.templates import template

    bound = template(answer["template"]).bind({k: ox.NamedNode(v["iri"]) for k, v in answer["slots"].items()})
    assert sparql == sparql_prologue() + bound
    assert len(store) == before


def test_api_ask_and_templates(live_server: LiveServer) -> None:
    r = httpx.get(live_server.url + "api/ask", params={"q": HEADLINE}, timeout=30)
    assert r.status_code == 200 and r.json()["answer"].startswith("Not reported")
    r = httpx.get(live_server.url + "api/ask", params={"q": "what is the weather"}, timeout=30)
    assert r.status_code == 200 and r.json()["understood"] is False
    r = httpx.post(live_server.url + "api/ask", json={"q": "ORR of DKd"}, timeout=30)
    assert r.status_code == 200 and r.json()["template"] == "results"
    templates = httpx.get(live_server.url + "api/templates").json()["templates"]
    ids = {t["id"] for t in templates}
    assert {"results", "ranking", "head-to-head", "gaps", "trial-facts", "safety", "discrepancies"} <= ids
    assert all(t["examples"] for t in templates if t["id"] in ("results", "gaps", "ranking"))
    run = httpx.get(live_server.url + "api/templates/results",
                    params={"regimen": "PVd", "population": "Len-R after 1 prior line", "endpoint": "mPFS"}).json()
    assert {i["value"] for i in run["items"]} >= {17.8}
    posted = httpx.post(live_server.url + "api/templates/trial-facts", json={"study": "IKEMA"}).json()
    assert any(i["value"] == "NCT03275285" for i in posted["items"])
    assert httpx.get(live_server.url + "api/templates/nope").status_code == 404
    bad = httpx.get(live_server.url + "api/templates/results", params={"colour": "blue"})
    assert bad.status_code == 422 and "no slot" in bad.text


def test_cli_ask() -> None:
    text = subprocess.run([sys.executable, "-m", "mmkg.cli", "ask", HEADLINE], capture_output=True, text=True,
                          timeout=300, check=True).stdout
    assert text.startswith("Not reported") and "Data gaps" in text and "Sources:" in text
    as_json = subprocess.run([sys.executable, "-m", "mmkg.cli", "ask", "--json", "ORR of DKd"], capture_output=True,
                             text=True, timeout=300, check=True).stdout
    assert set(json.loads(as_json)) >= CONTRACT


@pytest.mark.parametrize(("question", "regimen"), [
    ("PFS of VdD in Len-R", "dara-vd"),  # D daratumumab, d dexamethasone, V bortezomib
    ("PdD trials", "dara-pd"),  # P is pomalidomide here: no prednisone regimen has these drugs
    ("ORR of Darzalex-Kd", "dara-kd"),  # brand name + regimen: the drug-set union
    ("Darzalex + Kyprolis + dex in Len-R", "dara-kd"),
])
def test_abbreviations_resolve_by_drug_set(store: ox.Store, question: str, regimen: str) -> None:
    from mmkg.ask.answer import context

    u = understand(question, context(store).lexicon)
    assert u.slots.get("regimen") == f"https://w3id.org/mmkg/id/regimen/{regimen}"


def test_letter_case_matters_in_abbreviations(store: ox.Store) -> None:
    from mmkg.ask.answer import context

    lexicon = context(store).lexicon
    assert lexicon._regimen_from_codes("VdD") is not None  # bortezomib, dexamethasone, daratumumab
    assert lexicon._regimen_from_codes("Vdd") is None  # dexamethasone twice is no regimen
    assert lexicon._regimen_from_codes("KRdD") is None  # a quadruplet the sources do not report


def test_nearest_evidence_falls_back_to_the_same_class_in_the_same_population(store: ox.Store) -> None:
    answer = answer_question("median PFS of Isa-Pd in lenalidomide-refractory patients", store)
    assert answer["answer"].startswith("Not reported")
    assert answer["nearest"]["basis"] == "other anti-CD38 triplet regimens in the same population"
    assert {r["population_label"] for r in answer["nearest"]["rows"]} == {
        "lenalidomide-refractory regardless of prior lines"}
