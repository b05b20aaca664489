"""Typed entry points to Oxigraph queries: Store.query returns a union of result kinds; callers know which one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from mmkg.graphstore import GraphStore
from mmkg.lateral import lateral_optionals
from mmkg.namespaces import PREFIXES


def solutions(store: GraphStore, query: str, **kwargs: Any) -> ox.QuerySolutions:
    """A SELECT over the union of all graphs (unless a dataset is given), with the project's prefixes."""
    kwargs.setdefault("prefixes", PREFIXES)
    if "default_graph" not in kwargs:
        kwargs.setdefault("use_default_graph_as_union", True)
    result = store.query(query, **kwargs)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return result


def template_solutions(store: GraphStore, query: str, **kwargs: Any) -> ox.QuerySolutions:
    """A template's SELECT (Template.bind's output). On the embedded store its OPTIONALs are evaluated per row
    (mmkg.lateral: a lookup instead of a scan of the whole graph); a remote server gets the SPARQL 1.1 text."""
    if isinstance(store, ox.Store):
        query = lateral_optionals(query)
    return solutions(store, query, **kwargs)


def triples(store: GraphStore, query: str, **kwargs: Any) -> Iterable[ox.Triple]:
    """A CONSTRUCT or DESCRIBE over the union of all graphs, with the project's prefixes."""
    kwargs.setdefault("prefixes", PREFIXES)
    kwargs.setdefault("use_default_graph_as_union", True)
    result = store.query(query, **kwargs)
    if not isinstance(result, ox.QueryTriples | list):  # a remote store answers with a list of triples
        raise TypeError("expected a CONSTRUCT or DESCRIBE query")
    return result


def graph_counts(store: ox.Store, *, include_default: bool = False) -> dict[str, int]:
    """Quads per named graph (and, if asked, in the default graph), sorted by graph IRI."""
    counts: dict[str, int] = {}
    for quad in store:
        g = quad.graph_name
        if isinstance(g, ox.NamedNode):
            counts[g.value] = counts.get(g.value, 0) + 1
        elif include_default:
            counts["(default graph)"] = counts.get("(default graph)", 0) + 1
    return dict(sorted(counts.items()))


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else term.value


_EMPTY = ox.Store()  # parses queries and tells their form without touching data
_UPDATE_START = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


class UpdateRefused(SyntaxError):
    """The text is a SPARQL Update, which mmkg's public surfaces do not run."""


@lru_cache(maxsize=4096)  # apps send the same queries again and again; parsing is the fixed cost of a request
def query_form(query: str, base_iri: str | None = None, with_prefixes: bool = False) -> str:
    """'solutions', 'boolean' or 'graph'. Raises UpdateRefused for an update, SyntaxError (the parser's message)
    for anything else that is not a query."""
    try:
        parsed = _EMPTY.query(query, base_iri=base_iri, prefixes=PREFIXES if with_prefixes else None)
    except SyntaxError as exc:
        body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
        if _UPDATE_START.match(body):
            raise UpdateRefused(str(exc)) from None
        raise
    if isinstance(parsed, ox.QuerySolutions):
        return "solutions"
    return "boolean" if isinstance(parsed, ox.QueryBoolean) else "graph"


_SERVICE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?<([^>]*)>", re.IGNORECASE)
_SERVICE_ANY = re.compile(r"\bSERVICE\b", re.IGNORECASE)


class FederationRefused(ValueError):
    """A SERVICE clause names an endpoint that is not allowed (or names it through a variable)."""


def check_federation(query: str, allowed: tuple[str, ...] = ()) -> None:
    """Refuse SERVICE clauses except to allowed endpoints: a server must not fetch addresses a client chooses."""
    if not _SERVICE_ANY.search(query):
        return
    targets = _SERVICE.findall(query)
    if len(targets) != len(_SERVICE_ANY.findall(query)) or any(t not in allowed for t in targets):
        raise FederationRefused(
            "federated queries (SERVICE) may only reach endpoints the server allows "
            f"({', '.join(allowed) or 'none configured'}); start it with --federation-allow URL")
