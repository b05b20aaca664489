"""The HTML view of an entity (/id/… in a browser): labels, types, properties with links, what the sources say
of it — results with their quotes and sources, and the data gaps as visible callouts. Plain server-side HTML,
no scripts, no external assets."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID, MM, curie
from mmkg.query import term_value

_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
_RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DEFINITION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition")

_STYLE = (Path(__file__).parent / "static" / "entity.css").read_text(encoding="utf-8")


def local_href(iri: str, base: str) -> str:
    return base + "id/" + iri[len(ID):] if iri.startswith(ID) else iri


def label_of(store: GraphStore, term: ox.NamedNode) -> str | None:
    for predicate in (_LABEL, _RDFS_LABEL):
        for q in store.quads_for_pattern(term, predicate, None):
            return term_value(q.object)
    return None


def _term_html(store: GraphStore, term: Any, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        text = label_of(store, term) or curie(term.value)
        return f'<a href="{escape(local_href(term.value, base))}">{escape(text)}</a>'
    if isinstance(term, ox.Literal):
        return escape(term.value)
    return ""


def _cell(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _explore_links(iri: str, title: str, types: list[ox.NamedNode], base: str) -> str:
    """Links from an entity into the web front end: a question about it, the charts, the SPARQL editor."""
    query = f"SELECT ?property ?value WHERE {{\n  <{iri}> ?property ?value .\n}}\n"
    charts = base + "charts"
    if iri.startswith(ID) and any(t.value == str(MM.Population) for t in types):
        charts += "?population=" + quote(iri[len(ID):], safe="/")
    return (f"<p class='explore'><a href='{escape(base + '?q=' + quote(title))}'>Ask about it</a> · "
            f"<a href='{escape(charts)}'>Charts</a> · "
            f"<a href='{escape(base + 'editor?query=' + quote(query))}'>Open in the SPARQL editor</a></p>")


def render_entity(store: GraphStore, iri: str, triples: list[ox.Triple], base: str,
                  results: list[dict[str, Any]], gaps: list[dict[str, Any]],
                  statements: list[dict[str, Any]]) -> str:
    node = ox.NamedNode(iri)
    title = label_of(store, node) or curie(iri)
    outgoing: dict[str, list[Any]] = defaultdict(list)
    blank: dict[ox.BlankNode, list[ox.Triple]] = defaultdict(list)
    incoming: list[ox.Triple] = []
    for t in triples:
        if t.subject == node:
            outgoing[t.predicate.value].append(t.object)
        elif isinstance(t.subject, ox.BlankNode):
            blank[t.subject].append(t)
        elif t.object == node:
            incoming.append(t)
    types = [o for o in outgoing.pop(_TYPE, []) if isinstance(o, ox.NamedNode)]
    definition = next((term_value(q.object) for q in store.quads_for_pattern(node, _DEFINITION, None)), None)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title)} — mmkg</title><style>{_STYLE}</style>",
        "<link rel='alternate' type='text/turtle' href='?format=turtle'></head><body>",
        f"<nav><a href='{base}'>mmkg</a><a href='{base}docs'>API</a><a href='{base}sparql'>SPARQL</a>"
        f"<a href='?format=turtle'>Turtle</a><a href='?format=jsonld'>JSON-LD</a></nav>",
        f"<h1>{escape(title)}</h1><div class='iri'>{escape(iri)}</div>",
        _explore_links(iri, title, types, base),
        "<p class='types'>" + "".join(f"<span>{escape(label_of(store, t) or curie(t.value))}</span>"
                                     for t in sorted(types, key=lambda t: t.value)) + "</p>",
    ]
    if definition:
        parts.append(f"<p>{escape(definition)}</p>")
    if gaps:
        parts.append("<h2>Data gaps</h2>")
        for g in gaps:
            derived = g.get("origin") == "derived"
            who = "derived: no source reports it" if derived else f"stated by {_cell(g.get('source_label'))}"
            quote = f"<details><summary>quote</summary>“{_cell(g.get('quote'))}” — {_cell(g.get('location'))}" \
                    "</details>" if g.get("quote") else ""
            parts.append(
                f"<div class='gap{' derived' if derived else ''}' role='note'><strong>Not reported:</strong> "
                f"{_cell(g.get('endpoint_label'))} in {_cell(g.get('population_label'))}"
                f"{' — ' + _cell(g.get('study_label')) if g.get('study_label') else ''} ({_cell(g.get('kind'))}; "
                f"{who}){quote}</div>")
    if results:
        parts.append("<h2>Results</h2><table><thead><tr><th>Study</th><th>Regimen</th><th>Population</th>"
                     "<th>Endpoint</th><th>Value</th><th>Source</th></tr></thead><tbody>")
        for r in results:
            value = r.get("value")
            shown = f"{value} {r.get('unit') or ''}".strip() if value is not None else str(r.get("status"))
            parts.append(
                f"<tr><td>{_cell(r.get('trial_label'))}</td><td>{_cell(r.get('regimen_label'))}</td>"
                f"<td>{_cell(r.get('population_label'))}</td><td>{_cell(r.get('endpoint_label'))}</td>"
                f"<td><a href='{escape(local_href(str(r.get('result')), base))}'>{escape(shown)}</a></td>"
                f"<td><details><summary>{_cell(r.get('source_label'))}</summary>“{_cell(r.get('quote'))}”"
                f"<br><small>{_cell(r.get('location'))}</small></details></td></tr>")
        parts.append("</tbody></table>")
    if statements:
        parts.append("<h2>What the sources say</h2><table><thead><tr><th>Kind</th><th>Words of the source</th>"
                     "<th>Where</th></tr></thead><tbody>")
        for s in statements:
            parts.append(f"<tr><td>{_cell(s.get('kind'))}</td><td>“{_cell(s.get('quote'))}”</td>"
                         f"<td>{_cell(s.get('source_label'))}, {_cell(s.get('location'))}</td></tr>")
        parts.append("</tbody></table>")
    parts.append("<h2>Properties</h2><table><tbody>")
    for predicate in sorted(outgoing):
        values = []
        for obj in outgoing[predicate]:
            if isinstance(obj, ox.BlankNode):
                inner = "; ".join(f"{escape(curie(t.predicate.value))}: {_term_html(store, t.object, base)}"
                                  for t in blank.get(obj, []))
                values.append(f"<div>{inner}</div>")
            else:
                values.append(_term_html(store, obj, base))
        parts.append(f"<tr><th>{escape(curie(predicate))}</th><td>{'<br>'.join(values)}</td></tr>")
    parts.append("</tbody></table>")
    if incoming:
        parts.append(f"<h2>Linked from</h2><p>{len(incoming)} statement(s)</p><ul>")
        for t in incoming[:200]:
            parts.append(f"<li>{_term_html(store, t.subject, base)} — {escape(curie(t.predicate.value))}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
