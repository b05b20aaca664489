"""bench/synth.py makes graphs our SHACL shapes accept, shaped like the curated one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from mmkg.validation import validate_graph

ROOT = Path(__file__).resolve().parents[1]
MM = Namespace("https://w3id.org/mmkg/vocab#")
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def synth(tmp_path: Path, triples: int) -> Graph:
    out = tmp_path / "synth.nq"
    subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), "--triples", str(triples), "-o", str(out)],
                   check=True, capture_output=True, timeout=300)
    with out.open("rb") as handle:
        quads = list(ox.parse(handle, format=ox.RdfFormat.N_QUADS))
    nt = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
    g = Graph()
    g.parse(data=nt.decode(), format="nt")
    for path in (ROOT / "graph" / "entities").glob("*.ttl"):
        g.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    return g


def test_synthetic_graph_conforms_and_has_the_curated_kinds(tmp_path: Path) -> None:
    g = synth(tmp_path, 10_000)
    report = validate_graph(g)
    assert report.conforms, [v.message for v in report.violations[:5]]
    counts = {cls: len({x for x in g.subjects(RDF.type, MM[cls]) if "/synth-" in str(x)})
              for cls in ("Trial", "Arm", "Cohort", "Result", "StatedDataGap", "ReviewArticle", "DataCut")}
    assert all(counts.values()), counts
    assert counts["Arm"] == 2 * counts["Trial"] and counts["Result"] > counts["StatedDataGap"] > 0


def test_validation_of_synthetic_data_is_not_vacuous(tmp_path: Path) -> None:
    g = synth(tmp_path, 2_000)
    result = next(iter(g.subjects(RDF.type, MM.Result)))
    g.remove((result, PROV_DERIVED, None))
    report = validate_graph(g)
    assert not report.conforms and any(v.focus_node == str(result) for v in report.violations)
