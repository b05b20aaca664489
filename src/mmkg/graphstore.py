"""The store interface every backend offers: the part of `pyoxigraph.Store` mmkg reads through.

The embedded `pyoxigraph.Store` satisfies it as it is; `mmkg.remote.RemoteStore` satisfies it over any SPARQL 1.1
server. Code that serves queries (templates, the question layer, REST, linked data) takes a `GraphStore`, so it
runs unchanged on both. Blank nodes cannot be named across requests to a remote server, so nothing may look up a
blank node by itself: follow them inside one query (see `describe.describe`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import pyoxigraph as ox

# The graph kinds pyoxigraph accepts for a query's dataset (the same annotation as its stub, lists being invariant)
DatasetGraphs = ox.NamedNode | ox.BlankNode | ox.DefaultGraph | list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]


class GraphStore(Protocol):
    def query(self, query: str, *, base_iri: str | None = None, prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = False,
              default_graph: DatasetGraphs | None = None,
              named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None) -> QueryResult: ...

    def quads_for_pattern(self, subject: ox.NamedNode | None, predicate: ox.NamedNode | None,
                          object: ox.NamedNode | ox.Literal | None,
                          graph_name: ox.NamedNode | None = None, /) -> Iterator[ox.Quad]: ...

    def __hash__(self) -> int: ...
