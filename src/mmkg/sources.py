"""The review texts behind the graph, and the check that every quote is really in its source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mmkg.namespaces import ID
from mmkg.paths import sources_dir

# Source IRI → file name in ../shared/sources. A new source is registered here (docs/curation.md).
SOURCE_FILES: dict[str, str] = {
    ID + "source/review-2019": "000_6c177f8d4fbcda16.txt",
    ID + "source/mele-2024": "002_042ca453206e2453.txt",
}

# A quote may skip an interruption (page break, table) with an ellipsis between its pieces.
_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.)\s*")


def _fold(text: str) -> str:
    """Letters and digits only, lower-case: the extraction breaks lines and words with hyphens,
    so comparing on the alphanumeric skeleton is robust to layout but not to changed words or numbers."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@dataclass(frozen=True)
class SourceText:
    iri: str
    path: Path
    folded: str
    raw: str  # whitespace collapsed, for quotes with no letters or digits ("/")


@cache
def source_text(iri: str) -> SourceText | None:
    name = SOURCE_FILES.get(iri)
    if name is None:
        return None
    path = sources_dir() / name
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return SourceText(iri, path, _fold(text), " ".join(text.split()))


def quote_found(quote: str, source: SourceText) -> bool:
    """True when every ellipsis-separated piece of the quote occurs, in order, in the source text."""
    pos = 0
    pieces = [p.strip() for p in _ELLIPSIS.split(quote) if p.strip()]
    if not pieces:
        return False
    for piece in pieces:
        if not _fold(piece):  # punctuation only, such as a "/" table cell: match it literally
            if " ".join(piece.split()) not in source.raw:
                return False
            continue
        idx = source.folded.find(_fold(piece), pos)
        if idx < 0:
            return False
        pos = idx + len(_fold(piece))
    return True
