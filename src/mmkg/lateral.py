"""Template queries rewritten for the embedded store: every OPTIONAL evaluated per row (Oxigraph's LATERAL).

Oxigraph 0.5 evaluates `A OPTIONAL { B }` as a hash join: B is evaluated on its own, over the whole graph, then
joined. For a template bound to one trial that is a scan of every `mm:value` (or label, or citation) triple in
the store, once per OPTIONAL, so the cost grows with the graph instead of the answer (bench/scale.py: head-to-head
857 ms at 1.7 M quads, 55 ms with this rewrite). `LATERAL { OPTIONAL { B } }` (Oxigraph's SEP-0006 extension)
evaluates B once per row of A with A's bindings in place: a lookup.

The two forms give the same answer when B only shares with A variables that A binds in every row, which the
query-shape rules of queries/README.md ask of every template (tests/test_query_shape.py checks the rules,
tests/test_lateral.py the equality on every template). The templates themselves stay standard SPARQL 1.1, as
a remote SPARQL server (and a user reading "show SPARQL") gets them; only the embedded store sees the rewrite.
User queries sent to /sparql are never rewritten.
"""

from __future__ import annotations

import re

_KEYWORD = re.compile(r"OPTIONAL\s*\{", re.IGNORECASE)


def _skip(text: str, i: int) -> int:
    """If a string literal, IRI or comment starts at i, the index just past it; else i."""
    c = text[i]
    if c == "#":
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if c == "<":
        m = re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:])
        return i + m.end() if m else i
    if c in "\"'":
        quote = c * 3 if text.startswith(c * 3, i) else c
        j = i + len(quote)
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text.startswith(quote, j):
                return j + len(quote)
            j += 1
        return len(text)
    return i


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(text):
        j = _skip(text, i)
        if j != i:
            i = j
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces in a template query")


def lateral_optionals(query: str) -> str:
    """The query with each `OPTIONAL { … }` wrapped as `LATERAL { OPTIONAL { … } }`, nested ones included."""
    out: list[str] = []
    i = 0
    while i < len(query):
        j = _skip(query, i)
        if j != i:
            out.append(query[i:j])
            i = j
            continue
        m = _KEYWORD.match(query, i)
        if m and (i == 0 or not (query[i - 1].isalnum() or query[i - 1] == "_")):
            close = _matching_brace(query, m.end() - 1)
            inner = lateral_optionals(query[m.end():close])
            out.append(f"LATERAL {{ {query[i:m.end()]}{inner}}} }}")
            i = close + 1
            continue
        out.append(query[i])
        i += 1
    return "".join(out)
