"""Self-descriptions of the endpoint: the SPARQL Service Description (sd:) and the VoID description of the data."""

from __future__ import annotations

import pyoxigraph as ox

from mmkg import __version__
from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID, MM, PREFIXES, SKOLEM
from mmkg.query import solutions, term_value

_SD_FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
    "application/trig": "http://www.w3.org/ns/formats/TriG",
}


def _serialize(turtle: str, media: str) -> bytes:
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.TURTLE
    if fmt.supports_datasets:
        return ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in triples), format=fmt) or b""
    return ox.serialize(triples, format=fmt, prefixes=PREFIXES_FOR_OUTPUT) or b""


PREFIXES_FOR_OUTPUT = {
    **PREFIXES,
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "void": "http://rdfs.org/ns/void#",
}


def service_description(endpoint: str, graphs: list[str], media: str) -> bytes:
    named = "\n".join(
        f"""        sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;""" for g in graphs if g.startswith("http")
    )
    formats = " , ".join(f"<{iri}>" for iri in _SD_FORMATS.values())
    turtle = f"""
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph ;
    sd:resultFormat {formats} ;
    dcterms:title "mmkg SPARQL endpoint (read-only)" ;
    sd:defaultDataset [ a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph , void:Dataset ;
            dcterms:description "The union of all named graphs below." ] ;
{named}
    ] .
"""
    return _serialize(turtle, media)


def void_description(store: GraphStore, total: int, graphs: dict[str, int], base_url: str, media: str) -> bytes:
    """VoID: size, classes, named graphs (as subsets, with the quad counts the served graph holds), licence,
    vocabulary and example resources."""
    class_rows = solutions(store, "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c "
                                  "FILTER(STRSTARTS(STR(?c), STR(mm:))) } GROUP BY ?c")
    classes = sorted((term_value(row["c"]), int(term_value(row["n"]))) for row in class_rows)
    partitions = "\n".join(
        f"    void:classPartition [ void:class <{c}> ; void:entities {n} ] ;" for c, n in classes)
    subsets = "\n".join(
        f"    void:subset [ a void:Dataset ; sd:name <{g}> ; void:triples {n} ] ;"
        for g, n in sorted(graphs.items()))
    # one void:Linkset per (mapping predicate, target scheme), counted from the SSSOM axioms (gaps excluded)
    link_rows = solutions(store, "SELECT ?p ?scheme (COUNT(?m) AS ?n) WHERE { ?m owl:annotatedProperty ?p ; "
                                 "sssom:object_source ?scheme FILTER NOT EXISTS { ?m a mm:MappingGap } } "
                                 "GROUP BY ?p ?scheme ORDER BY ?scheme ?p")
    linksets = "\n".join(
        f"    void:subset [ a void:Linkset ; void:linkPredicate <{term_value(r['p'])}> ; "
        f"void:objectsTarget <{term_value(r['scheme'])}> ; void:triples {term_value(r['n'])} ] ;"
        for r in link_rows)
    examples = ", ".join(f"<{ID}{e}>" for e in ("trial/castor", "regimen/dara-kd", "drug/daratumumab",
                                                     "population/len-refractory-1-prior-line"))
    distinct_subjects = term_value(next(iter(solutions(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && !STRSTARTS(STR(?s), "{SKOLEM}")) }}')))["n"])  # skolem IRIs: blank nodes
    turtle = f"""
@prefix void: <http://rdfs.org/ns/void#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{base_url}.well-known/void#mmkg> a void:Dataset ;
    dcterms:title "mmkg: evidence for multiple myeloma progressing after frontline lenalidomide" ;
    dcterms:description "Curated from two review articles, with provenance, data gaps, data cuts, conflicts." ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcterms:hasVersion "{__version__}" ;
    void:sparqlEndpoint <{base_url}sparql> ;
    void:uriSpace "{ID}" ;
    void:vocabulary <{MM}> , <http://www.w3.org/ns/prov#> , <http://www.w3.org/2004/02/skos/core#> ;
    void:triples {total} ;
    void:distinctSubjects {distinct_subjects} ;
    void:classes {len(classes)} ;
    void:exampleResource {examples} ;
{partitions}
{subsets}
{linksets}
    void:feature <http://www.w3.org/ns/formats/Turtle> .
"""
    return _serialize(turtle, media)
