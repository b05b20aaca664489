"""OWL 2 check with HermiT (bundled with owlready2, needs Java): ontology + curated data are consistent, no class
is unsatisfiable, and HermiT classifies every regimen exactly as the build's SPARQL rules do.
Serving never needs Java; this test does, and skips with the reason where `java` is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from mmkg.build import Build
from mmkg.loader import load_files, project_files
from mmkg.namespaces import MM, PREFIXES

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="java not installed: HermiT cannot run (scripts/install-system-deps.sh installs it)",
)

DEFINED_REGIMEN_CLASSES = [
    "AntiCD38Regimen", "ProteasomeInhibitorRegimen", "IMiDRegimen", "AntiBCMARegimen", "CellTherapyRegimen",
    "BispecificAntibodyRegimen", "PomalidomideBasedRegimen", "LenalidomideBasedRegimen", "CarfilzomibBasedRegimen",
    "BortezomibBasedRegimen", "SingleAgentRegimen", "Doublet", "Triplet", "Quadruplet", "AntiCD38Triplet",
]


@pytest.fixture(scope="module")
def reasoned(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from owlready2 import World, sync_reasoner

    data = load_files(project_files())  # ontology + curated only: nothing the build inferred
    nt = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in data.quads),
                      format=ox.RdfFormat.N_TRIPLES)
    path: Path = tmp_path_factory.mktemp("owl") / "mmkg.nt"
    path.write_bytes(nt)
    world = World()
    onto = world.get_ontology(path.as_uri()).load(format="ntriples")
    with onto:
        sync_reasoner(world, infer_property_values=False, debug=0)  # raises if inconsistent
    return world


def test_consistent_and_no_unsatisfiable_classes(reasoned) -> None:  # type: ignore[no-untyped-def]
    assert list(reasoned.inconsistent_classes()) == []


@pytest.mark.parametrize("name", DEFINED_REGIMEN_CLASSES)
def test_hermit_agrees_with_build_rules(reasoned, built: Build, name: str) -> None:  # type: ignore[no-untyped-def]
    cls = reasoned[str(MM[name])]
    assert cls is not None, f"mm:{name} missing from the ontology"
    by_hermit = {i.iri for i in cls.instances()}
    rows = built.store.query(f"SELECT ?r WHERE {{ ?r a mm:{name} }}", prefixes=PREFIXES,
                             use_default_graph_as_union=True)
    by_rules = {row["r"].value for row in rows}
    assert by_hermit == by_rules
