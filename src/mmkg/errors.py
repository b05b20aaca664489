"""One small hierarchy of errors, each naming the thing that is wrong and what to do about it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mmkg.validation import ValidationReport


class MmkgError(Exception):
    """Base of every error mmkg raises on purpose."""


class ParseFailure(MmkgError):
    def __init__(self, path: Path, detail: str, *, language: str = "Turtle") -> None:
        super().__init__(f"{path}: not valid {language}: {detail}. Fix the syntax at the line (and column) given.")
        self.path = path
        self.detail = detail


class BuildInvalid(MmkgError):
    """The graph failed validation; it must not be served."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            f"the graph does not conform: {len(report.violations)} violation(s); "
            "run `mmkg validate` for the full report"
        )
        self.report = report
