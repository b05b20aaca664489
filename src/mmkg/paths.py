"""Where the project's data lives. The package runs from its source tree (editable install)."""

import os
from pathlib import Path


def project_root() -> Path:
    """The folder holding ontology/, graph/, shapes/ and queries/ (override with MMKG_ROOT)."""
    env = os.environ.get("MMKG_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def ontology_dir() -> Path:
    return project_root() / "ontology"


def graph_dir() -> Path:
    return project_root() / "graph"


def mappings_dir() -> Path:
    return project_root() / "mappings"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def queries_dir() -> Path:
    return project_root() / "queries"


def rules_dir() -> Path:
    return ontology_dir() / "rules"


def sources_dir() -> Path:
    """The review texts; they sit beside the project in ../shared/sources (override with MMKG_SOURCES)."""
    env = os.environ.get("MMKG_SOURCES")
    if env:
        return Path(env).resolve()
    return project_root().parent / "shared" / "sources"


def cache_dir() -> Path:
    return project_root() / ".mmkg-cache"
