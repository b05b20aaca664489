"""Tell a user's query apart (select / ask / construct, update, malformed) without risking the server process.

Oxigraph's SPARQL parser and optimiser recurse over the query's structure. Measured with pyoxigraph 0.5 in an
8 MiB-stack thread: 4,000 nested groups, 1,000 nested CONCAT( or 8,000 chained `+` overflow the stack and the
process dies with SIGSEGV; 500 joined triple patterns or 1,000 OPTIONALs keep the optimiser busy for over a
minute. A 10 KB query could therefore kill or stall the API process. So user queries are parsed in a small pool
of worker processes with a time limit (a crash costs one worker, replaced), after a cheap scan that refuses
nesting deeper than any real query needs with a clear message."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from mmkg.executor import FormRequest, QueryExecutor, QueryFailed, QueryTimeout
from mmkg.lateral import SKIPPED
from mmkg.query import UpdateRefused

MAX_NESTING = 64  # brackets of any kind, nested; the deepest template in queries/ nests 6
_CACHE_ENTRIES = 2048
_CACHE_MAX_CHARS = 8_000  # long queries are not kept: 2,048 of them at 100 K characters would be 200 MB

# Strings, IRIs and comments are skipped whole, so a bracket inside them does not count.
_TOKEN = re.compile(SKIPPED + r"""
  | (?P<open>[{(\[]) | (?P<close>[})\]])
""", re.VERBOSE)


def nesting_depth(query: str) -> int:
    depth = deepest = 0
    for m in _TOKEN.finditer(query):
        if m.group("open"):
            depth += 1
            deepest = max(deepest, depth)
        elif m.group("close"):
            depth = max(0, depth - 1)
    return deepest


class QueryParser:
    """Parses in worker processes over an empty dataset; remembers the verdict on short queries."""

    def __init__(self, *, workers: int = 2, timeout_s: float = 5.0) -> None:
        fd, name = tempfile.mkstemp(prefix="mmkg-empty-", suffix=".nq")
        os.close(fd)
        self._empty = Path(name)
        self._pool = QueryExecutor(self._empty, workers=workers, timeout_s=timeout_s)
        self.timeout_s = timeout_s
        self._cache: OrderedDict[tuple[str, str | None], tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def form(self, query: str, base_iri: str | None = None) -> str:
        """'solutions', 'boolean' or 'graph'; raises UpdateRefused, or SyntaxError with a message for the user."""
        key = (query, base_iri)
        with self._lock:
            verdict = self._cache.get(key)
            if verdict is not None:
                self._cache.move_to_end(key)
        if verdict is None:
            verdict = self._parse(query, base_iri)
            if len(query) <= _CACHE_MAX_CHARS:
                with self._lock:
                    self._cache[key] = verdict
                    if len(self._cache) > _CACHE_ENTRIES:
                        self._cache.popitem(last=False)
        status, detail = verdict
        if status == "update":
            raise UpdateRefused(detail)
        if status == "syntax":
            raise SyntaxError(detail)
        return detail

    def _parse(self, query: str, base_iri: str | None) -> tuple[str, str]:
        depth = nesting_depth(query)
        if depth > MAX_NESTING:
            return "syntax", (f"the query nests brackets {depth} deep, more than the {MAX_NESTING} allowed; "
                              "flatten it")
        try:
            return "ok", self._pool.form(FormRequest(query, base_iri))
        except UpdateRefused as exc:
            return "update", str(exc)
        except SyntaxError as exc:
            return "syntax", str(exc)
        except QueryTimeout:
            return "syntax", (f"the query could not be parsed and planned within {self.timeout_s:g} s "
                              "(too many patterns or operators); split or simplify it")
        except QueryFailed:
            return "syntax", ("the parser ran out of stack on this query (too deeply nested or too long a chain "
                              "of operators); simplify it")

    def close(self) -> None:
        self._pool.close()
        self._empty.unlink(missing_ok=True)
