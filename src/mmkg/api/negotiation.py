"""Content negotiation for SPARQL results and RDF, by Accept header or a `format` parameter for browsers."""

from __future__ import annotations

from dataclasses import dataclass

from mmkg.errors import MmkgError

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
TRIG = "application/trig"
HTML = "text/html"

# What each query form can be answered in, first = default. Aliases map common synonyms onto these.
SOLUTION_TYPES = [SPARQL_JSON, SPARQL_XML, CSV, TSV]
GRAPH_TYPES = [TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS]
ALIASES = {
    "application/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "application/x-trig": TRIG,
    "text/n3": TURTLE,
}
GRAPH_ALIASES = {"application/json": JSONLD, "application/xml": RDFXML, "text/xml": RDFXML}
FORMAT_NAMES = {
    "json": SPARQL_JSON, "srj": SPARQL_JSON, "xml": SPARQL_XML, "srx": SPARQL_XML, "csv": CSV, "tsv": TSV,
    "turtle": TURTLE, "ttl": TURTLE, "nt": NTRIPLES, "ntriples": NTRIPLES, "n-triples": NTRIPLES,
    "jsonld": JSONLD, "json-ld": JSONLD, "rdfxml": RDFXML, "rdf": RDFXML, "trig": TRIG, "nq": NQUADS,
    "nquads": NQUADS, "html": HTML,
}


GRAPH_FORMAT_NAMES = {"xml": RDFXML, "json": JSONLD, "n3": TURTLE, "rdf+xml": RDFXML}


class NotAcceptable(MmkgError):
    pass


@dataclass(frozen=True)
class MediaRange:
    type: str
    q: float
    order: int


def parse_accept(header: str | None) -> list[MediaRange]:
    if not header:
        return [MediaRange("*/*", 1.0, 0)]
    ranges = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(fields[0].lower(), q, i))
    return sorted(ranges, key=lambda r: (-r.q, r.order))


def choose(available: list[str], accept: str | None, format_param: str | list[str] | None = None, *,
           graph: bool = False) -> str:
    """The media type to answer in: `format` wins over Accept; `*/*` or no header gives the first available.

    `format` may be repeated or comma-separated (SPARQLWrapper sends both); the first usable value wins."""
    aliases = {**ALIASES, **GRAPH_ALIASES} if graph else ALIASES
    given = [format_param] if isinstance(format_param, str) else list(format_param or [])
    names = [n.strip().lower() for value in given for n in value.split(",") if n.strip()]
    if names:
        for name in names:
            # For a graph answer the short names mean the RDF form (SPARQLWrapper sends format=xml for RDF/XML).
            wanted = (GRAPH_FORMAT_NAMES.get(name) if graph else None) or FORMAT_NAMES.get(name, name)
            wanted = aliases.get(wanted, wanted)
            if wanted in available:
                return wanted
        raise NotAcceptable(f"format {', '.join(names)!r} is not available here; use one of {', '.join(available)}")
    for media in parse_accept(accept):
        if media.q <= 0:
            continue
        if media.type in ("*/*", "*"):
            return available[0]
        candidate = aliases.get(media.type, media.type)
        if candidate in available:
            return candidate
        if media.type.endswith("/*"):
            major = media.type[:-1]
            for option in available:
                if option.startswith(major):
                    return option
    raise NotAcceptable(f"cannot answer in {accept!r}; available: {', '.join(available)}")
