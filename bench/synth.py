"""Synthetic evidence graphs of mmkg's shape, at any size, for the scale benchmark (bench/scale.py).

    python bench/synth.py --triples 1000000 -o /tmp/synth-1m.nq

The graph keeps the real vocabulary and the real shared entities (drugs, drug classes, regimens, populations,
endpoints: graph/entities/) and adds synthetic review articles with sections, trials with two arms each, cohorts
per arm and population, results (median PFS and OS, ORR, patient counts, hazard ratios against the comparator arm,
each with its citation), stated data gaps and data cuts, in the proportions of the curated graph. Everything
synthetic lives under https://w3id.org/mmkg/id/…/synth-… and in the named graph …/graph/curated/synth, so it
can never be mistaken for curated evidence; its quotes are made up and would fail the build's quote check, which is
why the benchmark loads it directly and `tests/test_synth.py` validates it with the SHACL shapes only.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mmkg.namespaces import ID, MM, PROV, SKOS, curated_graph  # noqa: E402

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD = "http://www.w3.org/2001/XMLSchema#"
UO = "http://purl.obolibrary.org/obo/UO_"
SYNTH_GRAPH = ox.NamedNode(curated_graph("synth"))

POPULATIONS = ["itt", "len-refractory", "len-refractory-1-prior-line", "len-exposed", "one-prior-line",
               "len-refractory-more-than-1-prior-line"]
# endpoint slug, unit, value range (None: a count)
ENDPOINTS = [("median-pfs", "0000035", (2.0, 40.0)), ("median-os", "0000035", (8.0, 70.0)),
             ("orr", "0000187", (20.0, 98.0)), ("patients", "0000189", None)]


def _n(kind: str, slug: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{kind}/{slug}")


def _mm(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(MM[name]))


def _lit(value: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype)) if datatype else ox.Literal(value)


def regimens() -> list[str]:
    """Regimen slugs of the real graph (graph/entities/regimens.ttl)."""
    text = (ROOT / "graph" / "entities" / "regimens.ttl").read_text(encoding="utf-8")
    return sorted({line.split()[0].split(":", 1)[1] for line in text.splitlines()
                   if line.startswith("reg:") and " a mm:Regimen" in line})


class Synth:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.regimens = regimens()

    def triple(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal
               ) -> ox.Quad:
        return ox.Quad(s, p, o, SYNTH_GRAPH)

    def source(self, k: int) -> Iterator[ox.Quad]:
        t = self.triple
        src = _n("source", f"synth-r{k}")
        yield t(src, RDF_TYPE, _mm("ReviewArticle"))
        yield t(src, ox.NamedNode(str(SKOS.prefLabel)), _lit(f"synthetic review {k}", "en"))
        yield t(src, _mm("publicationYear"), _lit(str(2010 + k % 15), datatype="integer"))
        for j in range(4):
            sec = _n("section", f"synth-r{k}-s{j}")
            yield t(sec, RDF_TYPE, _mm("SourceSection"))
            yield t(sec, _mm("inDocument"), src)
            yield t(sec, _mm("position"), _lit(str(j + 1), datatype="integer"))
            yield t(sec, ox.NamedNode(str(SKOS.prefLabel)), _lit(f"section {j + 1}", "en"))
            yield t(sec, RDFS_LABEL, _lit(f"synthetic review {k}, section {j + 1}", "en"))

    def assertion(self, node: ox.NamedNode, source_k: int, quote: str) -> Iterator[ox.Quad]:
        t = self.triple
        yield t(node, ox.NamedNode(str(PROV.wasDerivedFrom)), _n("source", f"synth-r{source_k}"))
        cite = ox.BlankNode()
        yield t(node, _mm("citation"), cite)
        yield t(cite, _mm("locatedIn"), _n("section", f"synth-r{source_k}-s{self.rng.randrange(4)}"))
        yield t(cite, _mm("quote"), _lit(quote))

    def trial(self, i: int, sources: int) -> Iterator[ox.Quad]:
        t, rng = self.triple, self.rng
        slug = f"synth-{i}"
        trial = _n("trial", slug)
        yield t(trial, RDF_TYPE, _mm("Trial"))
        yield t(trial, ox.NamedNode(str(SKOS.prefLabel)), _lit(f"SYNTH-{i}", "en"))
        yield t(trial, _mm("phase"), _mm(rng.choice(["Phase2", "Phase3", "Phase1_2"])))
        yield t(trial, _mm("randomised"), _lit("true", datatype="boolean"))
        source_k = rng.randrange(sources)
        cut = _n("data-cut", f"{slug}-primary")
        yield t(cut, RDF_TYPE, _mm("DataCut"))
        yield t(cut, _mm("dataCutOf"), trial)
        yield t(cut, _mm("reportedIn"), _n("source", f"synth-r{source_k}"))
        yield t(cut, _mm("followUpMonths"), _lit(f"{rng.uniform(6, 60):.1f}", datatype="decimal"))
        yield t(cut, RDFS_LABEL, _lit(f"SYNTH-{i} primary analysis", "en"))
        experimental, comparator = rng.sample(self.regimens, 2)
        arms = {}
        for role, regimen in (("ExperimentalArm", experimental), ("ComparatorArm", comparator)):
            arm = _n("arm", f"{slug}-{regimen}")
            arms[role] = arm
            yield t(arm, RDF_TYPE, _mm("Arm"))
            yield t(arm, ox.NamedNode(str(SKOS.prefLabel)), _lit(f"SYNTH-{i} {regimen} arm", "en"))
            yield t(arm, _mm("armOf"), trial)
            yield t(arm, _mm("regimen"), _n("regimen", regimen))
            yield t(arm, _mm("armRole"), _mm(role))
        for role, arm in arms.items():
            for pop in rng.sample(POPULATIONS, 3):
                cohort = _n("cohort", f"{slug}-{arm.value.rsplit('/', 1)[1]}-{pop}")
                yield t(cohort, RDF_TYPE, _mm("Cohort"))
                yield t(cohort, _mm("inStudy"), trial)
                yield t(cohort, _mm("inArm"), arm)
                yield t(cohort, _mm("population"), _n("population", pop))
                yield t(cohort, RDFS_LABEL, _lit(f"SYNTH-{i}, {arm.value.rsplit('/', 1)[1]}, {pop}", "en"))
                yield from self.outcomes(cohort, role, arms["ComparatorArm"], source_k)

    def outcomes(self, cohort: ox.NamedNode, role: str, comparator: ox.NamedNode, source_k: int) -> Iterator[ox.Quad]:
        t, rng = self.triple, self.rng
        name = cohort.value.rsplit("/", 1)[1]
        for endpoint, unit, span in ENDPOINTS:
            if endpoint != "patients" and rng.random() < 0.3:  # about a third of cells are stated gaps
                gap = _n("gap", f"{name}-{endpoint}")
                yield t(gap, RDF_TYPE, _mm("StatedDataGap"))
                yield t(gap, _mm("cohort"), cohort)
                yield t(gap, _mm("missingEndpoint"), _n("endpoint", endpoint))
                yield t(gap, _mm("gapKind"), _mm("GapNotReported"))
                yield from self.assertion(gap, source_k, f"{endpoint} not reported for {name}")
                continue
            result = _n("result", f"{name}-{endpoint}")
            value = str(rng.randrange(20, 600)) if span is None else f"{rng.uniform(*span):.1f}"
            yield t(result, RDF_TYPE, _mm("Result"))
            yield t(result, _mm("cohort"), cohort)
            yield t(result, _mm("endpoint"), _n("endpoint", endpoint))
            yield t(result, _mm("value"), _lit(value, datatype="decimal" if span else "integer"))
            yield t(result, _mm("unit"), ox.NamedNode(UO + unit))
            yield t(result, _mm("status"), _mm("Reported"))
            yield from self.assertion(result, source_k, f"{endpoint} {value} in {name}")
        if role == "ExperimentalArm" and rng.random() < 0.7:
            hr = _n("result", f"{name}-hr-pfs")
            low = rng.uniform(0.2, 0.7)
            yield t(hr, RDF_TYPE, _mm("Result"))
            yield t(hr, _mm("cohort"), cohort)
            yield t(hr, _mm("endpoint"), _n("endpoint", "hr-pfs"))
            yield t(hr, _mm("comparatorArm"), comparator)
            yield t(hr, _mm("value"), _lit(f"{low + 0.1:.2f}", datatype="decimal"))
            yield t(hr, _mm("ciLower"), _lit(f"{low:.2f}", datatype="decimal"))
            yield t(hr, _mm("ciUpper"), _lit(f"{low + 0.25:.2f}", datatype="decimal"))
            yield t(hr, _mm("unit"), ox.NamedNode(UO + "0000186"))
            yield t(hr, _mm("status"), _mm("Reported"))
            yield from self.assertion(hr, source_k, f"HR {low + 0.1:.2f} in {name}")

    def quads(self, triples: int) -> Iterator[ox.Quad]:
        """About `triples` synthetic quads (whole trials: the last one may overshoot by ~150)."""
        sources = max(2, triples // 50_000)
        count = 0
        for k in range(sources):
            for q in self.source(k):
                count += 1
                yield q
        i = 0
        while count < triples:
            for q in self.trial(i, sources):
                count += 1
                yield q
            i += 1


def write(triples: int, output: Path, seed: int = 7) -> int:
    """Write the synthetic quads as N-Quads; returns how many."""
    quads = list(Synth(seed).quads(triples))
    with output.open("wb") as out:
        ox.serialize(quads, out, format=ox.RdfFormat.N_QUADS)
    return len(quads)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--triples", type=int, required=True, help="about how many synthetic triples")
    p.add_argument("-o", "--output", type=Path, required=True, help="N-Quads file to write")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    n = write(args.triples, args.output, args.seed)
    print(f"wrote {n} synthetic quads to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
