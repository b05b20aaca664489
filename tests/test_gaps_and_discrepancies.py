"""Data gaps (stated and derived, never confused) and discrepancies (data cuts and conflicts), through the query
files that list them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox

from mmkg.templates import plain, template

from .conftest import select

GOLDEN = Path(__file__).parent / "golden"


def rows(store: ox.Store, template_id: str) -> list[dict[str, str]]:
    solutions = template(template_id).run(store)
    names = [v.value for v in solutions.variables]
    return [{n: plain(s[n]) for n in names} for s in solutions]


def test_every_stated_gap_marker_in_the_tables_is_a_gap(store: ox.Store) -> None:
    # every "UK" of 2019 Table 1 and every "/" of the 2024 tables is cited by a stated gap (or, for the one
    # CARTITUDE-4 limitations cell, a limitation statement)
    markers = select(store, """SELECT ?citation ?quote (COUNT(?gap) AS ?gaps) WHERE {
        ?citation mm:quote ?quote ; mm:tableRow ?row . FILTER(?quote IN ("UK", "/"))
        OPTIONAL { ?gap a mm:StatedDataGap ; mm:citation ?citation } } GROUP BY ?citation ?quote""")
    golden = sum(1 for path in GOLDEN.glob("*.csv")
                 for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))) if row["part"] in ("UK", "/"))
    assert golden == 28
    assert len(markers) == golden
    without_gap = [m for m in markers if m["gaps"] == "0"]
    assert len(without_gap) <= 1, without_gap


def test_stated_and_derived_gaps_are_disjoint(store: ox.Store) -> None:
    both = select(store, "SELECT ?g WHERE { ?g a mm:StatedDataGap, mm:DerivedDataGap }")
    assert both == []
    cited = select(store, "SELECT ?g WHERE { ?g a mm:DerivedDataGap ; mm:citation ?c }")
    assert cited == []


def test_gaps_query_separates_origins(store: ox.Store) -> None:
    gaps = rows(store, "gaps")
    origins = {g["origin"] for g in gaps}
    assert origins == {"stated", "derived"}
    stated = [g for g in gaps if g["origin"] == "stated"]
    assert all(g["quote"] and g["source_label"] for g in stated)
    derived = [g for g in gaps if g["origin"] == "derived"]
    assert all(not g["quote"] and g["kind"] == "no result in any source" for g in derived)


def test_derived_gaps_cover_key_cells_only_for_len_r_studies(store: ox.Store) -> None:
    derived = rows(store, "derived-gaps")
    studies = {d["study_label"] for d in derived}
    assert {"CASTOR", "ENDEAVOR", "IKEMA", "CANDOR", "APOLLO", "MM-014"} <= studies
    # trials that did not enrol lenalidomide-refractory patients (only "not enrolled" gaps) get none
    assert not studies & {"ASPIRE", "POLLUX", "ELOQUENT-2", "TOURMALINE-MM1", "FIRST", "MajesTEC-9"}
    assert {d["endpoint"] for d in derived} <= {"median progression-free survival", "median overall survival"}
    assert {d["population"] for d in derived} <= {"lenalidomide-refractory regardless of prior lines",
                                                  "lenalidomide-refractory after 1 prior line"}


def test_a_reported_cell_never_has_a_derived_gap(store: ox.Store) -> None:
    clash = select(store, """SELECT ?g WHERE {
        ?g a mm:DerivedDataGap ; mm:missingEndpoint ?e ; mm:cohort/mm:inStudy ?s ; mm:cohort/mm:population ?p .
        ?r a mm:Result ; mm:endpoint ?e ; mm:cohort/mm:inStudy ?s ; mm:cohort/mm:population ?p }""")
    assert clash == []


def test_the_headline_question_is_mostly_not_reported(store: ox.Store) -> None:
    # anti-CD38 triplets, median PFS in Len-R after one prior line: which trials give a number, which do not
    reported = select(store, """SELECT DISTINCT ?study WHERE {
        ?r a mm:Result ; mm:endpoint ep:median-pfs ; mm:cohort ?c .
        ?c mm:population pop:len-refractory-1-prior-line ; mm:inArm/mm:regimen ?reg ; mm:inStudy ?study .
        ?reg a mm:AntiCD38Triplet }""")
    missing = select(store, """SELECT DISTINCT ?study WHERE {
        ?g a mm:DataGap ; mm:missingEndpoint ep:median-pfs ; mm:about ?study ;
           mm:cohort/mm:population pop:len-refractory-1-prior-line .
        ?study ^mm:armOf/mm:regimen ?reg . ?reg a mm:AntiCD38Triplet }""")
    missing_ids = {m["study"].rsplit("/", 1)[1] for m in missing}
    assert {"castor", "ikema", "candor", "apollo", "mm-014"} <= missing_ids
    assert len(reported) < len(missing)


def test_discrepancies_list_all_data_cuts_and_conflicts(store: ox.Store) -> None:
    found = rows(store, "discrepancies")
    kinds = {(r["discrepancy"].rsplit("/", 1)[1], r["kind"]) for r in found}
    for expected in [("emn011-len-refractory-1-prior-line-median-pfs", "data cut"), ("mm-014-median-pfs", "data cut"),
                     ("endeavor-len-refractory-patients", "conflict"), ("candor-itt-median-pfs", "conflict"),
                     ("ikema-nct-number", "conflict"), ("rep-composition", "conflict")]:
        assert expected in kinds
    emn011 = {r["value"] for r in found if r["discrepancy"].endswith("emn011-len-refractory-1-prior-line-median-pfs")}
    assert emn011 == {"18", "26"}
    ikema = {r["statedValue"] for r in found if r["discrepancy"].endswith("ikema-nct-number")}
    assert ikema == {"NCT032275285", "NCT03275285"}
    conflicts = {r["conflict"] for r in rows(store, "conflicts")}
    cuts = {r["update"] for r in rows(store, "data-cuts")}
    assert conflicts and cuts and not conflicts & cuts
    assert len(conflicts) + len(cuts) == len({r["discrepancy"] for r in found})


def test_both_values_of_a_discrepancy_stay_with_their_sources(store: ox.Store) -> None:
    rows_ = select(store, """SELECT ?d (COUNT(DISTINCT ?a) AS ?n) (COUNT(DISTINCT ?src) AS ?sources) WHERE {
        ?d mm:involves ?a . ?a prov:wasDerivedFrom ?src ; mm:citation ?c } GROUP BY ?d""")
    assert rows_ and all(int(r["n"]) >= 2 for r in rows_)


def test_counts_per_source(store: ox.Store) -> None:
    counts = {(r["src"].rsplit("/", 1)[1], r["t"].rsplit("#", 1)[1]): int(r["n"]) for r in select(store, """
        SELECT ?src ?t (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a prov:wasDerivedFrom ?src ; a ?t .
        VALUES ?t { mm:Result mm:StatedDataGap mm:Statement mm:SafetyFinding mm:DoseSchedule
                    mm:EligibilityCriterion mm:ApprovalStatement } } GROUP BY ?src ?t""")}
    # Exact, so that any change to the curated graph is deliberate: update these with the change.
    assert counts == {
        ("review-2019", "Result"): 108, ("review-2019", "StatedDataGap"): 46, ("review-2019", "Statement"): 148,
        ("review-2019", "SafetyFinding"): 9, ("review-2019", "DoseSchedule"): 18,
        ("review-2019", "EligibilityCriterion"): 13, ("review-2019", "ApprovalStatement"): 9,
        ("mele-2024", "Result"): 147, ("mele-2024", "StatedDataGap"): 36, ("mele-2024", "Statement"): 130,
        ("mele-2024", "SafetyFinding"): 17, ("mele-2024", "ApprovalStatement"): 1,
    }
    studies = select(store, """SELECT ?src (COUNT(DISTINCT ?st) AS ?n) WHERE {
        ?a prov:wasDerivedFrom ?src ; mm:about ?st . ?st a mm:Study } GROUP BY ?src""")
    by_source = {r["src"].rsplit("/", 1)[1]: int(r["n"]) for r in studies}
    assert by_source["review-2019"] >= 30 and by_source["mele-2024"] >= 20
    assert len(select(store, "SELECT DISTINCT ?r WHERE { ?r a mm:Regimen }")) == 33
