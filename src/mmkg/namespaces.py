"""The one prefix map of the project: SPARQL headers, Turtle output and the API all use it."""

from rdflib import Namespace

BASE = "https://w3id.org/mmkg/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

MM = Namespace(BASE + "vocab#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
OBO = Namespace("http://purl.obolibrary.org/obo/")

PREFIXES: dict[str, str] = {
    "mm": str(MM),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": "http://purl.org/dc/terms/",
    "obo": str(OBO),
    "source": ID + "source/",
    "sec": ID + "section/",
    "tbl": ID + "table/",
    "trial": ID + "trial/",
    "study": ID + "study/",
    "arm": ID + "arm/",
    "reg": ID + "regimen/",
    "drug": ID + "drug/",
    "dcl": ID + "drug-class/",
    "pop": ID + "population/",
    "ep": ID + "endpoint/",
    "cohort": ID + "cohort/",
    "result": ID + "result/",
    "gap": ID + "gap/",
    "statement": ID + "statement/",
    "safety": ID + "safety/",
    "dose": ID + "dose/",
    "criterion": ID + "criterion/",
    "approval": ID + "approval/",
    "datacut": ID + "data-cut/",
    "discrepancy": ID + "discrepancy/",
    "disease": ID + "disease/",
    "mapping": ID + "mapping/",
    "scheme": ID + "scheme/",
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "pav": "http://purl.org/pav/",
    "mmsh": BASE + "shapes#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def curie(iri: str) -> str:
    """An IRI as prefix:local with the project's prefixes, or unchanged."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def sparql_prologue() -> str:
    """PREFIX lines for every prefix, to prepend to a query that uses them."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# Named graphs (design notes): the default graph of the endpoint is their union.
# Blank nodes as IRIs (RDF 1.1 Concepts 3.5, skolemisation) where they must cross a request: in a remote store,
# whose blank nodes cannot be shared between named graphs loaded separately nor named in a later query.
SKOLEM = BASE + ".well-known/genid/"
ONTOLOGY_GRAPH = GRAPH + "ontology"
INFERRED_GRAPH = GRAPH + "inferred"
MAPPINGS_GRAPH = GRAPH + "mappings"


def curated_graph(name: str) -> str:
    return f"{GRAPH}curated/{name}"
