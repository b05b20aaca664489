"""A broad sample of facts from every table and section of both reviews, with expected values typed from the
source text. Each row: source, study, arm regimen (or None for the whole study), population, endpoint, expected.
Expected is a number (the value printed), or a status label ('not reached', 'not estimable')."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from .conftest import select

R19, M24 = "review-2019", "mele-2024"

FACTS: list[tuple[str, str, str | None, str, str, str]] = [
    # 2019 review, Table 1 and section "data from phase 3 trials"
    (R19, "trial/endeavor", "kd", "len-refractory", "patients", "51"),
    (R19, "trial/endeavor", "vd", "len-refractory", "patients", "45"),
    (R19, "trial/endeavor", "kd", "len-refractory", "median-pfs", "8.6"),
    (R19, "trial/endeavor", "vd", "len-refractory", "median-pfs", "6.6"),
    (R19, "trial/endeavor", "kd", "itt", "median-pfs", "18.7"),
    (R19, "trial/endeavor", "vd", "itt", "median-pfs", "9.4"),
    (R19, "trial/endeavor", "kd", "itt", "median-os", "47.6"),
    (R19, "trial/endeavor", "vd", "itt", "median-os", "40"),
    (R19, "trial/castor", "dara-vd", "len-refractory", "patients", "60"),
    (R19, "trial/castor", "vd", "len-refractory", "patients", "81"),
    (R19, "trial/castor", "dara-vd", "len-refractory", "median-pfs", "7.8"),
    (R19, "trial/castor", "vd", "len-refractory", "median-pfs", "4.9"),
    (R19, "trial/castor", "dara-vd", "itt", "median-pfs", "not reached"),
    (R19, "trial/castor", "dara-vd", "itt", "median-pfs", "16.7"),
    (R19, "trial/castor", "vd", "itt", "median-pfs", "7.2"),
    (R19, "trial/castor", "vd", "itt", "median-pfs", "7.1"),
    (R19, "trial/castor", "dara-vd", "itt", "hr-pfs", "0.39"),
    (R19, "trial/castor", "dara-vd", "itt", "hr-pfs", "0.31"),
    (R19, "trial/castor", None, "itt", "median-follow-up", "19.4"),
    (R19, "trial/optimismm", "pvd", "len-refractory", "patients", "120"),
    (R19, "trial/optimismm", "vd", "len-refractory", "patients", "118"),
    (R19, "trial/optimismm", "pvd", "len-refractory", "median-pfs", "9.5"),
    (R19, "trial/optimismm", "vd", "len-refractory", "median-pfs", "5.6"),
    (R19, "trial/optimismm", "pvd", "len-refractory-1-prior-line", "patients", "64"),
    (R19, "trial/optimismm", "vd", "len-refractory-1-prior-line", "patients", "65"),
    (R19, "trial/optimismm", "pvd", "len-refractory-1-prior-line", "median-pfs", "17.8"),
    (R19, "trial/optimismm", "pvd", "len-refractory-1-prior-line", "median-pfs", "17.84"),
    (R19, "trial/optimismm", "vd", "len-refractory-1-prior-line", "median-pfs", "9.49"),
    (R19, "trial/optimismm", "pvd", "itt", "median-pfs", "11.20"),
    (R19, "trial/optimismm", "vd", "itt", "median-pfs", "7.10"),
    (R19, "trial/optimismm", "pvd", "itt", "hr-pfs", "0.61"),
    # 2019 review, Table 1 phase 1b/2 panel and section "data from phase 1b/2 trials"
    (R19, "trial/hovon-rep", "rep", "len-refractory", "patients", "67"),
    (R19, "trial/hovon-rep", "rep", "len-refractory", "median-pfs", "12.1"),
    (R19, "trial/hovon-rep", "rep", "len-refractory", "median-os", "29"),
    (R19, "trial/hovon-rep", "rep", "len-refractory", "orr", "67"),
    (R19, "trial/mmy1001", "dara-kd", "len-refractory", "patients", "51"),
    (R19, "trial/mmy1001", "dara-kd", "len-refractory", "pfs-rate", "65"),
    (R19, "trial/mmy1001", "dara-kd", "len-refractory", "orr", "79"),
    (R19, "trial/mmy1001", "dara-kd", "len-refractory-1-prior-line", "patients", "6"),
    (R19, "trial/mmy1001", "dara-pd", "len-refractory", "patients", "92"),
    (R19, "trial/mm-014", "dara-pd", "len-refractory", "patients", "84"),
    (R19, "trial/mm-014", "dara-pd", "len-refractory", "orr", "75"),
    (R19, "trial/mm-014", "dara-pd", "len-refractory", "pfs-rate", "86.3"),
    (R19, "trial/emn011", "kpd", "len-refractory-1-prior-line", "patients", "60"),
    (R19, "trial/emn011", "kpd", "len-refractory-1-prior-line", "median-pfs", "18"),
    (R19, "trial/champion-1", "kd-weekly", "len-refractory", "patients", "31"),
    (R19, "trial/champion-1", "kd-weekly", "len-refractory", "orr", "71"),
    (R19, "trial/champion-1", "kd-weekly", "itt", "orr", "74"),
    (R19, "study/endeavor-champion-1-pooled", "kd", "len-refractory-1-prior-line", "median-pfs", "15.6"),
    (R19, "trial/elo-vd-phase-2", "elo-vd", "itt", "median-pfs", "9.7"),
    (R19, "trial/elo-vd-phase-2", "vd", "itt", "median-pfs", "6.9"),
    (R19, "trial/elo-vd-phase-2", "elo-vd", "imid-pretreated", "hr-pfs", "0.87"),
    (R19, "trial/mor202-phase-1-2a", "mor202-pd", "itt", "median-pfs", "17.5"),
    (R19, "trial/isa-pd-phase-1b", "isa-pd", "itt", "median-pfs", "17.6"),
    (R19, "trial/eloquent-3", "elo-pd", "itt", "median-pfs", "10.3"),
    # 2019 review, Table 2
    (R19, "trial/candor", None, "itt", "planned-enrollment", "466"),
    (R19, "trial/ikema", None, "itt", "planned-enrollment", "300"),
    (R19, "trial/icaria", None, "itt", "planned-enrollment", "300"),
    (R19, "trial/apollo", None, "itt", "planned-enrollment", "302"),
    (R19, "trial/boston", None, "itt", "planned-enrollment", "364"),
    (R19, "trial/bellini", None, "itt", "planned-enrollment", "291"),
    # 2024 review, Table 1 and sections 3.1-3.2
    (M24, "trial/castor", "dara-vd", "len-exposed", "percent-of-patients", "36"),
    (M24, "trial/castor", "dara-vd", "len-exposed", "patients", "90"),
    (M24, "trial/castor", "dara-vd", "len-refractory", "patients", "60"),
    (M24, "trial/castor", "dara-vd", "itt", "orr", "82.9"),
    (M24, "trial/castor", "dara-vd", "itt", "median-pfs", "16.7"),
    (M24, "trial/castor", "dara-vd", "len-refractory", "median-pfs", "7.8"),
    (M24, "trial/castor", "dara-vd", "one-prior-line", "median-pfs", "27.0"),
    (M24, "trial/castor", "vd", "one-prior-line", "median-pfs", "7.9"),
    (M24, "trial/castor", "dara-vd", "len-exposed-1-prior-line", "median-pfs", "21.2"),
    (M24, "trial/castor", "vd", "len-exposed-1-prior-line", "median-pfs", "7.0"),
    (M24, "trial/endeavor", "kd", "len-refractory", "patients", "113"),
    (M24, "trial/endeavor", "kd", "len-exposed", "patients", "177"),
    (M24, "trial/endeavor", "kd", "itt", "orr", "77"),
    (M24, "trial/endeavor", "kd", "len-refractory", "median-pfs", "8.6"),
    (M24, "trial/ikema", "isa-kd", "len-refractory", "patients", "57"),
    (M24, "trial/ikema", "isa-kd", "len-refractory-1-prior-line", "patients", "8"),
    (M24, "trial/ikema", "isa-kd", "itt", "orr", "87"),
    (M24, "trial/ikema", "isa-kd", "itt", "median-pfs", "not reached"),
    (M24, "trial/ikema", "isa-kd", "itt", "median-pfs", "35.7"),
    (M24, "trial/ikema", "isa-kd", "len-refractory", "hr-pfs", "0.59"),
    (M24, "trial/candor", "dara-kd", "len-refractory", "patients", "99"),
    (M24, "trial/candor", "dara-kd", "itt", "median-pfs", "35.7"),
    (M24, "trial/candor", "dara-kd", "itt", "median-pfs", "28.4"),
    (M24, "trial/candor", "dara-kd", "len-refractory", "median-pfs", "not reached"),
    (M24, "trial/candor", "dara-kd", "len-refractory", "median-pfs", "28"),
    (M24, "trial/optimismm", "pvd", "len-exposed", "patients", "281"),
    (M24, "trial/optimismm", "pvd", "len-refractory", "patients", "200"),
    (M24, "trial/optimismm", "pvd", "len-refractory-1-prior-line", "patients", "64"),
    (M24, "trial/optimismm", "pvd", "itt", "median-pfs", "11.2"),
    (M24, "trial/optimismm", "pvd", "len-refractory", "median-pfs", "9.5"),
    (M24, "trial/optimismm", "pvd", "len-refractory-1-prior-line", "median-pfs", "17.8"),
    (M24, "trial/apollo", "dara-pd", "len-refractory", "patients", "120"),
    (M24, "trial/apollo", "dara-pd", "len-refractory-1-prior-line", "patients", "16"),
    (M24, "trial/apollo", "dara-pd", "itt", "median-pfs", "12.4"),
    (M24, "trial/apollo", "dara-pd", "len-refractory", "median-pfs", "9.9"),
    (M24, "trial/mm-014", "dara-pd", "len-refractory", "patients", "84"),
    (M24, "trial/mm-014", "dara-pd", "len-refractory-1-prior-line", "patients", "70"),
    (M24, "trial/mm-014", "dara-pd", "itt", "median-pfs", "30.8"),
    (M24, "trial/mm-014", "dara-pd", "len-refractory", "median-pfs", "23.7"),
    (M24, "trial/emn011", "kpd", "len-refractory-1-prior-line", "median-pfs", "26"),
    (M24, "trial/emn011", "kpd", "len-refractory-1-prior-line-with-asct", "median-pfs", "32.0"),
    (M24, "trial/emn011", "kpd", "len-refractory-1-prior-line-without-asct", "median-pfs", "17.0"),
    # 2024 review, Table 2 and section 3.3
    (M24, "trial/boston", "svd", "len-exposed", "patients", "77"),
    (M24, "trial/boston", "svd", "len-refractory", "patients", "53"),
    (M24, "trial/boston", "svd", "itt", "median-pfs", "13.93"),
    (M24, "trial/boston", "svd", "len-refractory", "median-pfs", "10.2"),
    (M24, "trial/dreamm-7", "bvd", "len-refractory", "patients", "79"),
    (M24, "trial/dreamm-7", "bvd", "len-refractory-1-prior-line", "patients", "22"),
    (M24, "trial/dreamm-7", "bvd", "itt", "median-pfs", "36.6"),
    (M24, "trial/dreamm-7", "bvd", "len-refractory", "median-pfs", "25"),
    (M24, "trial/dreamm-8", "bpd", "len-exposed", "patients", "155"),
    (M24, "trial/dreamm-8", "bpd", "len-refractory", "patients", "125"),
    (M24, "trial/dreamm-8", "bpd", "itt", "median-pfs", "not reached"),
    (M24, "trial/dreamm-8", "bpd", "len-refractory", "median-pfs", "24"),
    (M24, "trial/dreamm-8", "bpd", "itt", "pfs-rate", "71.0"),
    (M24, "trial/cartitude-4", "cilta-cel", "len-refractory", "patients", "208"),
    (M24, "trial/cartitude-4", "cilta-cel", "itt", "median-pfs", "not reached"),
    (M24, "trial/cartitude-4", "cilta-cel", "len-refractory-1-prior-line", "median-pfs", "not reached"),
    (M24, "study/weisel-maic", "dara-kd-matched-optimismm", "len-exposed", "median-pfs", "22.6"),
    (M24, "study/weisel-maic", "pvd", "len-exposed", "median-pfs", "11.2"),
    (M24, "study/weisel-maic", "dara-kd-matched-apollo", "len-exposed", "median-pfs", "21.7"),
    (M24, "study/weisel-maic", "dara-pd", "len-exposed", "median-pfs", "12.1"),
]

RESULTS = """
SELECT ?value ?status WHERE {
  ?r a mm:Result ; prov:wasDerivedFrom ?source ; mm:endpoint ?endpoint ; mm:cohort ?c .
  ?r mm:status/skos:prefLabel ?status .
  ?c mm:inStudy ?study ; mm:population ?population .
  OPTIONAL { ?r mm:value ?value }
  OPTIONAL { ?c mm:inArm ?arm }
  FILTER(?source = <https://w3id.org/mmkg/id/source/%(source)s>)
  FILTER(?study = <https://w3id.org/mmkg/id/%(study)s>)
  FILTER(?population = <https://w3id.org/mmkg/id/population/%(population)s>)
  FILTER(?endpoint = <https://w3id.org/mmkg/id/endpoint/%(endpoint)s>)
  %(arm_filter)s
}
"""


def _arm_filter(study: str, arm: str | None) -> str:
    if arm is None:
        return ""
    slug = study.split("/", 1)[1]
    return f"FILTER(?arm = <https://w3id.org/mmkg/id/arm/{slug}-{arm}>)"


@pytest.mark.parametrize(("source", "study", "arm", "population", "endpoint", "expected"), FACTS,
                         ids=[f"{f[0]}:{f[1].split('/')[1]}:{f[2]}:{f[3]}:{f[4]}={f[5]}" for f in FACTS])
def test_fact_is_in_the_graph(store: ox.Store, source: str, study: str, arm: str | None, population: str,
                              endpoint: str, expected: str) -> None:
    rows = select(store, RESULTS % {"source": source, "study": study, "population": population,
                                    "endpoint": endpoint, "arm_filter": _arm_filter(study, arm)})
    found = {("v", Decimal(r["value"])) if r["value"] else ("s", r["status"]) for r in rows}
    want = ("s", expected) if expected[0].isalpha() else ("v", Decimal(expected))
    assert want in found, f"expected {expected}; the graph has {sorted(map(str, found)) or 'nothing'}"


def test_no_result_reads_a_missing_value_as_zero(store: ox.Store) -> None:
    rows = select(store, """SELECT ?r WHERE { ?r a mm:Result ; mm:status ?s .
                              { ?r mm:value ?v FILTER(?s != mm:Reported) }
                              UNION { FILTER(?s = mm:Reported) MINUS { ?r mm:value ?v } } }""")
    assert rows == []


def test_every_printed_regimen_name_is_a_label_of_its_regimen(store: ox.Store) -> None:
    # regimens are identified by drug set: each spelling a source uses for a result's arm is a label of that node
    misses = select(store, """SELECT DISTINCT ?printed WHERE {
        ?a a mm:Result ; mm:regimenAsPrinted ?printed ; mm:cohort/mm:inArm ?arm .
        FILTER NOT EXISTS { ?arm mm:regimen/(skos:prefLabel|skos:altLabel) ?l
                            FILTER(LCASE(STR(?l)) = LCASE(STR(?printed))) } }""")
    assert misses == []


@pytest.mark.parametrize(("label", "regimen"), [
    ("DVd", "dara-vd"), ("D-Vd", "dara-vd"), ("DaraVd", "dara-vd"), ("Dara-Vd", "dara-vd"),
    ("KdD", "dara-kd"), ("DKd", "dara-kd"), ("D-Kd", "dara-kd"), ("DaraKd", "dara-kd"),
    ("Isa-Kd", "isa-kd"), ("IsaKd", "isa-kd"), ("PVd", "pvd"), ("Pom-Vd", "pvd"),
    ("DPd", "dara-pd"), ("D-Pd", "dara-pd"), ("DaraPd", "dara-pd"), ("Len-Cy-Pred", "rcp"), ("SVd", "svd"),
])
def test_regimen_name_variants_resolve_to_one_node(store: ox.Store, label: str, regimen: str) -> None:
    rows = select(store, f"""SELECT DISTINCT ?r WHERE {{ ?r a mm:Regimen ; skos:prefLabel|skos:altLabel ?l
                              FILTER(STR(?l) = "{label}") }}""")
    assert [r["r"] for r in rows] == [f"https://w3id.org/mmkg/id/regimen/{regimen}"]


@pytest.mark.parametrize(("brand", "drug"), [("Darzalex", "daratumumab"), ("Kyprolis", "carfilzomib"),
                                             ("Velcade", "bortezomib"), ("Revlimid", "lenalidomide"),
                                             ("Pomalyst", "pomalidomide"), ("Sarclisa", "isatuximab"),
                                             ("Blenrep", "belantamab-mafodotin"), ("Xpovio", "selinexor")])
def test_brand_names_are_drug_labels(store: ox.Store, brand: str, drug: str) -> None:
    rows = select(store, f'SELECT ?d WHERE {{ ?d a mm:Drug ; skos:altLabel "{brand}"@en }}')
    assert [r["d"] for r in rows] == [f"https://w3id.org/mmkg/id/drug/{drug}"]
