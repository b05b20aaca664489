"""What the server says about one IRI: its triples, the blank nodes hanging off them (citations), and the
triples pointing at it."""

from __future__ import annotations

import pyoxigraph as ox

MAX_INCOMING = 1000


def describe(store: ox.Store, iri: str) -> list[ox.Triple]:
    """Outgoing triples with their blank-node closure, then up to MAX_INCOMING incoming triples; deduplicated
    across named graphs."""
    node = ox.NamedNode(iri)
    seen: set[ox.Triple] = set()
    out: list[ox.Triple] = []

    def add(t: ox.Triple) -> None:
        if t not in seen:
            seen.add(t)
            out.append(t)

    pending: list[ox.NamedNode | ox.BlankNode] = [node]
    visited: set[ox.NamedNode | ox.BlankNode] = set()
    while pending:
        subject = pending.pop()
        if subject in visited:
            continue
        visited.add(subject)
        for q in store.quads_for_pattern(subject, None, None):
            add(ox.Triple(q.subject, q.predicate, q.object))
            if isinstance(q.object, ox.BlankNode):
                pending.append(q.object)
    incoming = 0
    for q in store.quads_for_pattern(None, None, node):
        if incoming >= MAX_INCOMING:
            break
        if isinstance(q.subject, ox.NamedNode):
            add(ox.Triple(q.subject, q.predicate, q.object))
            incoming += 1
    return out


def exists(store: ox.Store, iri: str) -> bool:
    node = ox.NamedNode(iri)
    return any(True for _ in store.quads_for_pattern(node, None, None))
