"""Enrich an mmkg entity with facts an external SPARQL endpoint holds about the IRIs it is mapped to.

The entity's mappings come from our own mappings graph; the external endpoint (Wikidata, a ChEBI or NCIt
triple store, a local mirror) is asked, through SPARQLWrapper, for the statements about exactly those IRIs.
The IRIs are our graph's terms, serialised as RDF terms into a VALUES block — nothing a user typed is pasted into
the remote query. A remote that is down, slow or answers nonsense is a clear error naming it, never a hang.
"""

from __future__ import annotations

import time
import urllib.error
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from mmkg import __version__
from mmkg.errors import MmkgError
from mmkg.graphstore import GraphStore
from mmkg.namespaces import MAPPINGS_GRAPH, MM, curie
from mmkg.paths import queries_dir
from mmkg.query import solutions, term_value

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_LIMIT = 500


@dataclass(frozen=True)
class ExternalEndpoint:
    """A SPARQL endpoint the operator configured (`mmkg serve --external-endpoint NAME=URL`)."""

    name: str
    url: str

    @classmethod
    def parse(cls, spec: str) -> ExternalEndpoint:
        name, sep, url = spec.partition("=")
        if not sep or not name.strip() or not url.startswith(("http://", "https://")):
            raise MmkgError(f"external endpoint {spec!r}: write NAME=URL, e.g. wikidata=https://query.wikidata.org/sparql")
        return cls(name.strip(), url.strip())


class ExternalUnavailable(MmkgError):
    """The external endpoint could not be reached, timed out, or did not answer SPARQL results."""

    def __init__(self, endpoint: ExternalEndpoint, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(f"external SPARQL endpoint {endpoint.name!r} ({endpoint.url}) {reason}")
        self.endpoint = endpoint
        self.timed_out = timed_out


@dataclass
class MappedIri:
    subject: str  # the mmkg entity the mapping belongs to (the entity itself, or a drug of a regimen)
    predicate: str
    target: str


@dataclass
class Enrichment:
    entity: str
    endpoint: ExternalEndpoint
    mappings: list[MappedIri]
    facts: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    elapsed_ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "endpoint": {"name": self.endpoint.name, "url": self.endpoint.url},
            "mappings": [
                {"subject": m.subject, "predicate": curie(m.predicate), "target": m.target}
                for m in self.mappings
            ],
            "facts": self.facts,
            "truncated": self.truncated,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


_MAPPED = f"""
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX mm: <{MM}>
SELECT ?subject ?predicate ?target WHERE {{
  {{ VALUES ?subject {{ $entity }} }} UNION {{ $entity mm:hasComponent ?subject }}
  GRAPH <{MAPPINGS_GRAPH}> {{
    ?subject ?predicate ?target .
    VALUES ?predicate {{ skos:exactMatch skos:closeMatch }}
  }}
}} ORDER BY ?subject ?predicate ?target
"""


def mapped_iris(store: GraphStore, entity: ox.NamedNode) -> list[MappedIri]:
    """The external IRIs the entity (and, for a regimen, each of its drugs) is an exact or close match of."""
    # the entity as an RDF term (ox.NamedNode only holds valid IRIs), never as raw text
    rows = solutions(store, _MAPPED.replace("$entity", str(entity)))
    return [MappedIri(term_value(r["subject"]), term_value(r["predicate"]), term_value(r["target"])) for r in rows]


def remote_query(targets: list[str], limit: int = DEFAULT_LIMIT) -> str:
    """queries/external/facts.rq with the targets as a VALUES block of IRIs and a LIMIT."""
    text = (queries_dir() / "external" / "facts.rq").read_text(encoding="utf-8")
    values = " ".join(str(ox.NamedNode(t)) for t in targets)  # ox.NamedNode refuses anything not an IRI
    return f"{text.rstrip()}\nLIMIT {int(limit)}\nVALUES ?item {{ {values} }}\n"


def _value(binding: dict[str, Any] | None) -> Any:
    return None if binding is None else binding.get("value")


def fetch_facts(endpoint: ExternalEndpoint, targets: list[str], *, timeout_s: float = DEFAULT_TIMEOUT_S,
                limit: int = DEFAULT_LIMIT) -> tuple[list[dict[str, Any]], bool]:
    """Ask the endpoint what it says about the targets. Returns (facts, truncated)."""
    if not targets:
        return [], False
    client = SPARQLWrapper(endpoint.url, agent=f"mmkg/{__version__}")
    client.setMethod(POST)  # a long VALUES block would not fit a GET URL
    client.setReturnFormat(JSON)
    client.setTimeout(max(1, round(timeout_s)))
    client.setQuery(remote_query(targets, limit))
    try:
        answer = client.queryAndConvert()
    except TimeoutError as exc:
        raise ExternalUnavailable(endpoint, f"did not answer within {timeout_s:g} s", timed_out=True) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise ExternalUnavailable(endpoint, f"did not answer within {timeout_s:g} s", timed_out=True) from exc
        raise ExternalUnavailable(endpoint, f"is unreachable: {exc.reason}") from exc
    except SPARQLWrapperException as exc:
        raise ExternalUnavailable(endpoint, f"refused the query: {str(exc).splitlines()[0]}") from exc
    except (ValueError, OSError) as exc:  # a body that is not SPARQL JSON results, a reset connection
        raise ExternalUnavailable(endpoint, f"did not answer SPARQL results: {exc}") from exc
    if not isinstance(answer, dict) or "results" not in answer:
        raise ExternalUnavailable(endpoint, "did not answer SPARQL JSON results")
    facts = []
    for b in answer["results"].get("bindings", []):
        value = b.get("value", {})
        facts.append({
            "subject": _value(b.get("item")),
            "property": _value(b.get("property")),
            "property_label": _value(b.get("propertyLabel")),
            "value": value.get("value"),
            "value_type": "iri" if value.get("type") == "uri" else value.get("type"),
            "value_label": _value(b.get("valueLabel")),
        })
    return facts, len(facts) >= limit


def enrich(store: GraphStore, entity: ox.NamedNode, endpoint: ExternalEndpoint, *,
           timeout_s: float = DEFAULT_TIMEOUT_S, limit: int = DEFAULT_LIMIT) -> Enrichment:
    started = time.perf_counter()
    mappings = mapped_iris(store, entity)
    targets = sorted({m.target for m in mappings})
    facts, truncated = fetch_facts(endpoint, targets, timeout_s=timeout_s, limit=limit)
    return Enrichment(entity.value, endpoint, mappings, facts, truncated, (time.perf_counter() - started) * 1000)
