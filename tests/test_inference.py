"""Defined regimen classes and closures are materialised into the inferred graph at build time."""

import pyoxigraph as ox
import pytest

from mmkg.namespaces import INFERRED_GRAPH, MM

from .conftest import ask, select

REG = "https://w3id.org/mmkg/id/regimen/"


@pytest.mark.parametrize(
    ("regimen", "cls", "expected"),
    [
        ("dara-kd", "AntiCD38Triplet", True),
        ("dara-kd", "CarfilzomibBasedRegimen", True),
        ("isa-pd", "AntiCD38Regimen", True),
        ("kd", "AntiCD38Regimen", False),
        ("kd", "Doublet", True),
        ("kd", "Triplet", False),
        ("pvd", "PomalidomideBasedRegimen", True),
        ("pvd", "ProteasomeInhibitorRegimen", True),
        ("vd", "PomalidomideBasedRegimen", False),
        ("cilta-cel", "CellTherapyRegimen", True),
        ("cilta-cel", "AntiBCMARegimen", True),
        ("bvd", "AntiBCMARegimen", True),
        ("teclistamab", "BispecificAntibodyRegimen", True),
        ("lenalidomide", "SingleAgentRegimen", True),
        ("rcp", "LenalidomideBasedRegimen", True),
    ],
)
def test_regimen_classification(store: ox.Store, regimen: str, cls: str, expected: bool) -> None:
    assert ask(store, f"ASK {{ <{REG}{regimen}> a mm:{cls} }}") is expected


def test_defined_classes_live_only_in_the_inferred_graph(store: ox.Store) -> None:
    typed = ox.Quad(ox.NamedNode(REG + "dara-kd"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode(str(MM.AntiCD38Triplet)), ox.NamedNode(INFERRED_GRAPH))
    assert typed in store
    curated = [q for q in store.quads_for_pattern(ox.NamedNode(REG + "dara-kd"), None,
                                                  ox.NamedNode(str(MM.AntiCD38Triplet)))]
    assert all(q.graph_name == ox.NamedNode(INFERRED_GRAPH) for q in curated)


def test_drug_class_membership_is_inherited(store: ox.Store) -> None:
    rows = select(store, "SELECT ?c WHERE { drug:daratumumab mm:inDrugClass ?c }")
    classes = {r["c"].rsplit("/", 1)[1] for r in rows}
    assert {"anti-cd38-mab", "monoclonal-antibody", "immunotherapy"} <= classes
    rows = select(store, "SELECT ?c WHERE { drug:ciltacabtagene-autoleucel mm:inDrugClass ?c }")
    assert {"bcma-car-t", "cell-therapy", "bcma-directed", "immunotherapy"} <= {r["c"].rsplit("/", 1)[1] for r in rows}


def test_every_anti_cd38_triplet_contains_an_anti_cd38_drug(store: ox.Store) -> None:
    rows = select(store, """SELECT ?r WHERE { ?r a mm:AntiCD38Triplet
                               MINUS { ?r mm:hasComponent/mm:inDrugClass dcl:anti-cd38-mab } }""")
    assert rows == []
    names = {r["r"].rsplit("/", 1)[1] for r in select(store, "SELECT ?r WHERE { ?r a mm:AntiCD38Triplet }")}
    assert {"dara-vd", "dara-kd", "isa-kd", "dara-pd", "isa-pd", "mor202-pd", "dara-rd"} == names


def test_population_hierarchy_is_transitive(store: ox.Store) -> None:
    assert ask(store, "ASK { pop:len-refractory-1-prior-line mm:subPopulationOf pop:len-exposed }")
    assert not ask(store, "ASK { pop:len-exposed mm:subPopulationOf pop:len-refractory }")
