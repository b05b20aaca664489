"""Typed entry points to Oxigraph queries: Store.query returns a union of result kinds; callers know which one."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from mmkg.namespaces import PREFIXES


def solutions(store: ox.Store, query: str, **kwargs: Any) -> ox.QuerySolutions:
    """A SELECT over the union of all graphs (unless a dataset is given), with the project's prefixes."""
    kwargs.setdefault("prefixes", PREFIXES)
    if "default_graph" not in kwargs:
        kwargs.setdefault("use_default_graph_as_union", True)
    result = store.query(query, **kwargs)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return result


def triples(store: ox.Store, query: str, **kwargs: Any) -> ox.QueryTriples:
    """A CONSTRUCT or DESCRIBE over the union of all graphs, with the project's prefixes."""
    kwargs.setdefault("prefixes", PREFIXES)
    kwargs.setdefault("use_default_graph_as_union", True)
    result = store.query(query, **kwargs)
    if not isinstance(result, ox.QueryTriples):
        raise TypeError("expected a CONSTRUCT or DESCRIBE query")
    return result


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else term.value
