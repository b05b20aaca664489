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

# What a scan of SPARQL text skips whole, so that a keyword or a bracket inside it is not one: string literals,
# IRIs and comments (re.VERBOSE syntax; also used by query_parser's nesting scan).
SKIPPED = r"""
    "{3}(?:[^"\\]|\\.|"(?!""))*"{3} | '{3}(?:[^'\\]|\\.|'(?!''))*'{3}
  | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*'
  | <[^<>"{}|^`\\\s]*>
  | \#[^\n]*"""
# The tokens that matter here: the skipped ones, the OPTIONAL keyword with its opening brace, and braces.
_TOKEN = re.compile(SKIPPED + r"""
  | (?P<optional>(?<!\w)OPTIONAL\s*\{)
  | (?P<open>\{) | (?P<close>\})
""", re.IGNORECASE | re.VERBOSE)


def lateral_optionals(query: str) -> str:
    """The query with each `OPTIONAL { … }` wrapped as `LATERAL { OPTIONAL { … } }`, nested ones included."""
    out: list[str] = []
    # one entry per open brace: whether it opened an OPTIONAL, whose close also closes the LATERAL
    opened: list[bool] = []
    last = 0
    for m in _TOKEN.finditer(query):
        if m.group("optional"):
            out.append(query[last:m.start()] + "LATERAL { " + m.group())
            opened.append(True)
        elif m.group("open"):
            out.append(query[last:m.end()])
            opened.append(False)
        elif m.group("close"):
            if not opened:
                raise ValueError("unbalanced braces in a template query")
            out.append(query[last:m.end()] + (" }" if opened.pop() else ""))
        else:
            out.append(query[last:m.end()])
        last = m.end()
    if opened:
        raise ValueError("unbalanced braces in a template query")
    return "".join(out) + query[last:]
