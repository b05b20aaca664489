"""SSSOM mapping files → the mappings named graph.

mappings/*.sssom.tsv is the one place mappings are written (a curator edits the TSV; nothing else states a
skos:*Match of an mmkg IRI). Each row becomes a direct SKOS mapping triple, which is what a federated join
needs, and an owl:Axiom carrying the row's justification, confidence, author and evidence — the shape the
SSSOM RDF serialisation uses, so the provenance of a link is queryable next to the link. A row whose object
is sssom:NoTermFound is a mapping gap: no direct triple, an axiom typed mm:MappingGap instead.

The reader is strict on purpose: an unknown column value, prefix or predicate stops the build with the file
and line, rather than producing a graph that only SHACL would catch later.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from mmkg.errors import ParseFailure
from mmkg.namespaces import ID, MM, PREFIXES, SKOS

SSSOM = "https://w3id.org/sssom/"
OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
NO_TERM_FOUND = SSSOM + "NoTermFound"

# SKOS mapping properties only: owl:sameAs / owl:equivalentClass between our concepts and external classes
# would make claims (identity, class equivalence) that these curated links do not (docs/linking.md).
MAPPING_PREDICATES = {str(SKOS[p]) for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}

# Prefixes SSSOM defines itself; a file may use them without declaring them.
BUILTIN_PREFIXES = {
    "sssom": SSSOM,
    "semapv": PREFIXES["semapv"],
    "skos": str(SKOS),
    "owl": OWL,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "pav": PREFIXES["pav"],
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
REQUIRED_METADATA = ("mapping_set_id", "license", "curie_map")
# Row slots written as CURIEs (expanded to IRIs) and as plain text.
IRI_SLOTS = ("mapping_justification", "author_id", "object_source", "subject_source")
TEXT_SLOTS = ("subject_label", "object_label", "object_source_version", "comment")


@dataclass(frozen=True)
class Mapping:
    line: int
    subject: str
    predicate: str
    object: str
    row: dict[str, str]

    @property
    def is_gap(self) -> bool:
        return self.object == NO_TERM_FOUND

    @property
    def node(self) -> str:
        """A stable IRI for the mapping's axiom: the same row gives the same IRI in every build."""
        key = "\t".join((self.subject, self.predicate, self.object, self.row.get("object_source", "")))
        return f"{ID}mapping/{hashlib.sha256(key.encode()).hexdigest()[:16]}"


@dataclass
class MappingSet:
    path: Path
    metadata: dict[str, Any]
    prefixes: dict[str, str]
    mappings: list[Mapping]

    def expand(self, curie: str, line: int) -> str:
        prefix, sep, local = curie.partition(":")
        if not sep or prefix not in self.prefixes:
            raise self.error(line, f"'{curie}' is not a CURIE with a prefix of the curie_map; declare '{prefix}'")
        return self.prefixes[prefix] + local

    def error(self, line: int, detail: str) -> ParseFailure:
        return ParseFailure(self.path, f"line {line}: {detail}", language="SSSOM")


def read_sssom(path: Path) -> MappingSet:
    """Parse an SSSOM TSV (YAML metadata block in '#' lines, then the table)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParseFailure(path, f"cannot read: {exc}", language="SSSOM") from exc
    lines = text.splitlines(keepends=True)
    header = [line[1:] for line in lines if line.startswith("#")]
    body_start = len(header)
    if any(line.startswith("#") for line in lines[body_start:]):
        raise ParseFailure(path, "the '#' metadata block must come before the table", language="SSSOM")
    try:
        metadata = yaml.safe_load("".join(header)) or {}
    except yaml.YAMLError as exc:
        raise ParseFailure(path, f"metadata block: {exc}", language="SSSOM") from exc
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ParseFailure(path, f"metadata block lacks {', '.join(missing)}", language="SSSOM")
    mset = MappingSet(path, metadata, {**BUILTIN_PREFIXES, **metadata["curie_map"]}, [])
    reader = csv.DictReader(io.StringIO("".join(lines[body_start:])), delimiter="\t")
    absent = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if absent:
        raise mset.error(body_start + 1, f"the table has no column {', '.join(absent)}")
    for offset, row in enumerate(reader):
        line = body_start + 2 + offset
        if None in row or any(v is None for v in row.values()):
            raise mset.error(line, "wrong number of tab-separated cells")
        cells = {k: v.strip() for k, v in row.items() if v and v.strip()}
        for column in REQUIRED_COLUMNS:
            if column not in cells:
                raise mset.error(line, f"empty {column}")
        predicate = mset.expand(cells["predicate_id"], line)
        if predicate not in MAPPING_PREDICATES:
            raise mset.error(
                line,
                f"predicate {cells['predicate_id']} is not a SKOS mapping property; use skos:exactMatch, "
                "closeMatch, broadMatch, narrowMatch or relatedMatch (docs/linking.md explains the choice)",
            )
        subject = mset.expand(cells["subject_id"], line)
        obj = mset.expand(cells["object_id"], line)
        mset.mappings.append(Mapping(line, subject, predicate, obj, cells))
    return mset


def _literal(value: str, datatype: ox.NamedNode | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=datatype) if datatype else ox.Literal(value)


def mapping_triples(mset: MappingSet) -> list[ox.Triple]:
    """The RDF of a mapping set: set node, direct SKOS triples, one owl:Axiom per row."""
    triples: list[ox.Triple] = []
    set_node = ox.NamedNode(str(mset.metadata["mapping_set_id"]))
    add = triples.append
    add(ox.Triple(set_node, RDF_TYPE, ox.NamedNode(SSSOM + "MappingSet")))
    meta = mset.metadata
    add(ox.Triple(set_node, ox.NamedNode(DCTERMS + "license"), ox.NamedNode(str(meta["license"]))))
    if "mapping_set_version" in meta:
        add(ox.Triple(set_node, ox.NamedNode(OWL + "versionInfo"), _literal(str(meta["mapping_set_version"]))))
    if "mapping_set_title" in meta:
        add(ox.Triple(set_node, ox.NamedNode(DCTERMS + "title"), _literal(str(meta["mapping_set_title"]))))
    for m in mset.mappings:
        subject, predicate, obj = ox.NamedNode(m.subject), ox.NamedNode(m.predicate), ox.NamedNode(m.object)
        axiom = ox.NamedNode(m.node)
        if not m.is_gap:
            add(ox.Triple(subject, predicate, obj))
        add(ox.Triple(set_node, ox.NamedNode(SSSOM + "mappings"), axiom))
        add(ox.Triple(axiom, RDF_TYPE, ox.NamedNode(OWL + "Axiom")))
        if m.is_gap:
            add(ox.Triple(axiom, RDF_TYPE, ox.NamedNode(str(MM.MappingGap))))
        add(ox.Triple(axiom, ox.NamedNode(OWL + "annotatedSource"), subject))
        add(ox.Triple(axiom, ox.NamedNode(OWL + "annotatedProperty"), predicate))
        add(ox.Triple(axiom, ox.NamedNode(OWL + "annotatedTarget"), obj))
        for slot in IRI_SLOTS:
            if slot in m.row:
                prop = PREFIXES["pav"] + "authoredBy" if slot == "author_id" else SSSOM + slot
                add(ox.Triple(axiom, ox.NamedNode(prop), ox.NamedNode(mset.expand(m.row[slot], m.line))))
        for slot in TEXT_SLOTS:
            if slot in m.row:
                prop = RDFS_COMMENT.value if slot == "comment" else SSSOM + slot
                add(ox.Triple(axiom, ox.NamedNode(prop), _literal(m.row[slot])))
        if "confidence" in m.row:
            try:
                value = float(m.row["confidence"])
            except ValueError as exc:
                raise mset.error(m.line, f"confidence '{m.row['confidence']}' is not a number") from exc
            add(ox.Triple(axiom, ox.NamedNode(SSSOM + "confidence"), _literal(repr(value), XSD_DOUBLE)))
    return triples


def sssom_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.sssom.tsv")) if directory.is_dir() else []
