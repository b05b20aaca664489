"""mappings/mmkg.sssom.tsv: valid SSSOM (checked by the reference implementation), turned into the mappings graph
faithfully, complete for every entity (a mapping or a stated gap), and honest (every identifier traceable)."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef

from mmkg.errors import ParseFailure
from mmkg.mappings import MAPPING_PREDICATES, NO_TERM_FOUND, mapping_triples, read_sssom
from mmkg.namespaces import MAPPINGS_GRAPH, MM
from mmkg.query import solutions

ROOT = Path(__file__).resolve().parents[1]
SSSOM_FILE = ROOT / "mappings" / "mmkg.sssom.tsv"
REFERENCE = ROOT.parent / "shared" / "reference" / "external-ids.tsv"
SOURCES = ROOT.parent / "shared" / "sources"
SSSOM_CLI = Path(sys.executable).parent / "sssom"
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SSSOM_NS = Namespace("https://w3id.org/sssom/")


def rows() -> list[dict[str, str]]:
    lines = SSSOM_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    body = [line for line in lines if not line.startswith("#")]
    return list(csv.DictReader(body, delimiter="\t"))


# ---------------------------------------------------------------- the file is SSSOM


def test_sssom_reference_implementation_validates_the_file() -> None:
    proc = subprocess.run([str(SSSOM_CLI), "validate", str(SSSOM_FILE)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sssom_validation_is_not_vacuous(tmp_path: Path) -> None:
    """The same validator fails a copy with one row justified by a term semapv does not have."""
    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text(SSSOM_FILE.read_text(encoding="utf-8").replace("\tsemapv:ManualMappingCuration\t",
                                                                    "\tsemapv:Guessing\t", 1))
    proc = subprocess.run([str(SSSOM_CLI), "validate", str(broken)], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0


def test_metadata_block_has_set_id_licence_and_curie_map() -> None:
    mset = read_sssom(SSSOM_FILE)
    assert mset.metadata["mapping_set_id"].startswith("https://w3id.org/mmkg/")
    assert mset.metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    for prefix in ("CHEBI", "NCIT", "drugbank", "atc", "mesh", "wikidata", "MONDO", "clinicaltrials", "doi"):
        assert prefix in mset.metadata["curie_map"]


def test_every_row_has_justification_author_scheme_and_evidence() -> None:
    for row in rows():
        assert row["mapping_justification"] == "semapv:ManualMappingCuration", row
        assert row["author_id"] and row["object_source"].startswith("bioregistry:") and row["comment"], row
        if row["object_id"] == "sssom:NoTermFound":
            assert not row["confidence"], row
        else:
            assert 0 < float(row["confidence"]) <= 1, row


# ---------------------------------------------------------------- the graph is generated from the file


def test_mappings_graph_is_exactly_what_the_file_says(built) -> None:
    expected = {(t.subject, t.predicate, t.object) for t in mapping_triples(read_sssom(SSSOM_FILE))}
    graph = ox.NamedNode(MAPPINGS_GRAPH)
    actual = {(q.subject, q.predicate, q.object) for q in built.store.quads_for_pattern(None, None, None, graph)}
    assert actual == expected


def test_our_rdf_agrees_with_the_sssom_reference_implementation(built, tmp_path: Path) -> None:
    """The axioms (source, property, target, justification, scheme, confidence) sssom-py makes of the file are
    exactly ours."""
    out = tmp_path / "sssom-py.ttl"
    proc = subprocess.run([str(SSSOM_CLI), "convert", str(SSSOM_FILE), "-O", "rdf", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr

    def axioms(g: Graph) -> set[tuple[str, ...]]:
        found = set()
        for ax in g.subjects(OWL.annotatedSource, None):
            conf = g.value(ax, SSSOM_NS.confidence)
            found.add((str(g.value(ax, OWL.annotatedSource)), str(g.value(ax, OWL.annotatedProperty)),
                       str(g.value(ax, OWL.annotatedTarget)), str(g.value(ax, SSSOM_NS.mapping_justification)),
                       str(g.value(ax, SSSOM_NS.object_source)), "" if conf is None else f"{float(conf):.3f}"))
        return found

    reference = axioms(Graph().parse(out, format="turtle"))
    ours = Graph()
    for q in built.store.quads_for_pattern(None, None, None, ox.NamedNode(MAPPINGS_GRAPH)):
        ours.add((URIRef(q.subject.value), URIRef(q.predicate.value),
                  URIRef(q.object.value) if isinstance(q.object, ox.NamedNode) else _literal(q.object)))
    assert len(reference) == len(rows())
    assert axioms(ours) == reference


def _literal(term: ox.Literal):  # type: ignore[no-untyped-def]
    from rdflib import Literal

    return Literal(term.value, datatype=URIRef(term.datatype.value) if term.language is None else None,
                   lang=term.language)


def test_gaps_have_no_direct_triple_and_are_typed(built) -> None:
    query = "SELECT ?g WHERE { ?g a mm:MappingGap ; owl:annotatedTarget sssom:NoTermFound }"
    gaps = list(solutions(built.store, query))
    assert len(gaps) == sum(1 for r in rows() if r["object_id"] == "sssom:NoTermFound") > 100
    uses = list(built.store.quads_for_pattern(None, None, ox.NamedNode(NO_TERM_FOUND), None))
    assert uses and {q.predicate.value for q in uses} == {str(OWL.annotatedTarget)}


def test_no_mapping_outside_the_sssom_file(built) -> None:
    """Every SKOS mapping triple of the graph sits in the mappings graph (one source of truth)."""
    for pred in MAPPING_PREDICATES:
        for q in built.store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
            assert q.graph_name == ox.NamedNode(MAPPINGS_GRAPH), q


# ---------------------------------------------------------------- complete: every entity has a row per scheme


def _instances(built, cls: str) -> set[str]:
    return {r["x"].value for r in solutions(built.store, f"SELECT ?x WHERE {{ ?x a <{cls}> }}")}


def _rows_by_subject() -> dict[str, set[str]]:
    prefixes = read_sssom(SSSOM_FILE).prefixes
    found: dict[str, set[str]] = {}
    for row in rows():
        prefix, _, local = row["subject_id"].partition(":")
        found.setdefault(prefixes[prefix] + local, set()).add(row["object_source"].split(":", 1)[1])
    return found


@pytest.mark.parametrize(("cls", "schemes"), [
    (MM.Drug, {"chebi", "ncit", "drugbank", "atc", "mesh", "wikidata"}),
    (MM.DrugClass, {"chebi", "ncit", "atc"}),
    (MM.Disease, {"ncit", "mondo", "doid", "icd10", "mesh"}),
    (MM.Endpoint, {"ncit"}),
    (MM.Study, {"clinicaltrials"}),
    (MM.ReviewArticle, {"doi"}),
])
def test_every_entity_has_a_mapping_or_a_gap_in_each_scheme(built, cls, schemes) -> None:
    by_subject = _rows_by_subject()
    missing = {
        (iri, scheme)
        for iri in _instances(built, str(cls))
        for scheme in schemes
        if scheme not in by_subject.get(iri, set())
        and not (scheme == "clinicaltrials" and "euclinicaltrials" in by_subject.get(iri, set()))
    }
    assert not missing, sorted(missing)


def test_every_population_names_the_disease(built) -> None:
    pops = _instances(built, str(MM.Population))
    query = "SELECT ?p WHERE { ?p mm:condition ?d . ?d a mm:Disease }"
    with_condition = {r["p"].value for r in solutions(built.store, query)}
    assert pops and pops == with_condition


# ---------------------------------------------------------------- honest: every identifier can be traced


def _local_id(row: dict[str, str]) -> str:
    return row["object_id"].split(":", 1)[1]


def test_every_identifier_is_in_the_reference_or_its_cited_source() -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    for row in rows():
        if row["object_id"] == "sssom:NoTermFound":
            continue
        local = _local_id(row)
        if row["subject_id"].startswith("mm:"):
            # vocabulary alignments: checked in the ontology files the comment names (not stored here)
            assert re.search(r"cto\.owl|stato|eco\.obo|OBI_", row["comment"]), row
            continue
        cited = re.findall(r"\.\./shared/sources/([\w.]+\.txt)", row["comment"])
        if cited:
            assert all(local in (SOURCES / name).read_text(encoding="utf-8") for name in cited), row
        else:
            assert local in reference, f"{row['object_id']} ({row['subject_id']}) is not in {REFERENCE.name}"
            assert "../shared/reference/external-ids.tsv" in row["comment"], row


def test_no_identity_predicates() -> None:
    assert {r["predicate_id"] for r in rows()} <= {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch"}


def test_ambiguous_chebi_candidates_are_close_matches_only() -> None:
    """The reference lists several ChEBI entities for thalidomide, dexamethasone, cyclophosphamide: none is exact."""
    for drug in ("thalidomide", "dexamethasone", "cyclophosphamide"):
        chebi = [r for r in rows() if r["subject_id"] == f"drug:{drug}" and r["object_id"].startswith("CHEBI:")]
        assert len(chebi) >= 2 and {r["predicate_id"] for r in chebi} == {"skos:closeMatch"}, drug


# ---------------------------------------------------------------- the reader refuses what SSSOM/SKOS would not


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SSSOM_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.sssom.tsv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_reader_refuses_owl_same_as(tmp_path: Path) -> None:
    path = _variant(tmp_path, "drug:lenalidomide\tlenalidomide\tskos:exactMatch",
                    "drug:lenalidomide\tlenalidomide\towl:sameAs")
    with pytest.raises(ParseFailure, match=r"line \d+: predicate owl:sameAs is not a SKOS mapping property"):
        read_sssom(path)


def test_reader_refuses_an_undeclared_prefix(tmp_path: Path) -> None:
    path = _variant(tmp_path, "\tCHEBI:63791\t", "\tchebi:63791\t")
    with pytest.raises(ParseFailure, match=r"line \d+: 'chebi:63791' is not a CURIE with a prefix of the curie_map"):
        read_sssom(path)


def test_reader_names_a_bad_confidence(tmp_path: Path) -> None:
    path = _variant(tmp_path, "\tCHEBI:63791\t\tsemapv:ManualMappingCuration\t0.8\t",
                    "\tCHEBI:63791\t\tsemapv:ManualMappingCuration\thigh\t")
    with pytest.raises(ParseFailure, match="confidence 'high' is not a number"):
        mapping_triples(read_sssom(path))


# ---------------------------------------------------------------- end to end: a malformed id never serves


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "mmkg"
    for folder in ("ontology", "graph", "shapes", "queries", "mappings"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_malformed_identifier_in_the_tsv_fails_the_build_naming_file_node_and_rule(project_copy: Path) -> None:
    tsv = project_copy / "mappings" / "mmkg.sssom.tsv"
    text = tsv.read_text(encoding="utf-8")
    tsv.write_text(text.replace("\tclinicaltrials:NCT03275285\t", "\tclinicaltrials:NCT032275285\t"))
    env = {**os.environ, "MMKG_ROOT": str(project_copy), "MMKG_SOURCES": str(SOURCES)}
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "validate"], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 1
    assert "IdentifierSyntaxShape" in proc.stdout and "Malformed ClinicalTrials.gov identifier" in proc.stdout
    assert "mappings/mmkg.sssom.tsv" in proc.stdout and "trial/ikema" in proc.stdout


# ---------------------------------------------------------------- over HTTP


def test_rest_mappings_of_a_drug_with_its_gaps(live_server) -> None:
    r = httpx.get(live_server.url + "api/entities/drug/daratumumab/mappings", timeout=30)
    assert r.status_code == 200
    items = r.json()["items"]
    targets = {i["target"] for i in items if not i["is_gap"]}
    assert {"https://go.drugbank.com/drugs/DB09331", "http://purl.obolibrary.org/obo/NCIT_C74007"} <= targets
    gap_schemes = {i["scheme"].rsplit("/", 1)[1] for i in items if i["is_gap"]}
    assert {"chebi", "mesh"} <= gap_schemes
    assert all(i["evidence"] for i in items)


def test_rest_mappings_unknown_entity_is_404(live_server) -> None:
    r = httpx.get(live_server.url + "api/entities/drug/no-such-drug/mappings", timeout=30)
    assert r.status_code == 404 and "no entity drug/no-such-drug" in r.json()["detail"]


def test_mapped_iri_dereferences_with_its_mappings(live_server) -> None:
    """The linked-data view of a drug carries its skos:exactMatch links (so crawlers follow them)."""
    r = httpx.get(live_server.url + "id/drug/lenalidomide", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef("https://w3id.org/mmkg/id/drug/lenalidomide"), URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
            URIRef("http://purl.obolibrary.org/obo/CHEBI_63791")) in g


def test_cli_mappings_lists_links_and_gaps() -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "mappings", "drug:ixazomib"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "skos:closeMatch\thttp://purl.obolibrary.org/obo/NCIT_C82653" in proc.stdout
    assert "NO TERM FOUND in chebi" in proc.stdout


def test_void_describes_a_linkset_per_scheme(live_server) -> None:
    r = httpx.get(live_server.url + ".well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    g = Graph().parse(data=r.text, format="turtle")
    void = Namespace("http://rdfs.org/ns/void#")
    chebi = URIRef("https://bioregistry.io/registry/chebi")
    counts = {str(g.value(ls, void.linkPredicate)): int(g.value(ls, void.triples))  # type: ignore[arg-type]
              for ls in g.subjects(void.objectsTarget, chebi)}
    expected: dict[str, int] = {}
    for row in rows():
        if row["object_source"] == "bioregistry:chebi" and row["object_id"] != "sssom:NoTermFound":
            key = "http://www.w3.org/2004/02/skos/core#" + row["predicate_id"].split(":")[1]
            expected[key] = expected.get(key, 0) + 1
    assert counts == expected and counts


@pytest.mark.parametrize(("question", "target"), [
    ("What is the ChEBI id of lenalidomide?", "http://purl.obolibrary.org/obo/CHEBI_63791"),
    ("ATC code of bortezomib", "https://www.whocc.no/atc_ddd_index/?code=L01XG01"),
    ("drugbank id for carfilzomb", "https://go.drugbank.com/drugs/DB08889"),
    ("external identifiers of proteasome inhibitors", "https://www.whocc.no/atc_ddd_index/?code=L01XG"),
])
def test_ask_for_identifiers(store, question: str, target: str) -> None:
    from mmkg.ask.answer import answer_question

    a = answer_question(question, store)
    assert a["understood"] and a["template"] == "mappings"
    assert target in {r["target"] for r in a["rows"]} and target in a["answer"]


def test_ask_for_an_identifier_that_was_not_verified_says_so(store) -> None:
    from mmkg.ask.answer import answer_question

    a = answer_question("MeSH id of daratumumab", store)
    assert a["template"] == "mappings" and "No identifier verified in: chebi, mesh" in a["answer"]
