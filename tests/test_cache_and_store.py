"""Start-up reuses the cached valid build; a changed source file triggers a rebuild and re-validation; an invalid
change is refused. Works on a copy of the project (MMKG_ROOT), never on the real files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mmkg.build import run_build
from mmkg.paths import project_root, sources_dir

from .conftest import start_server, stop_server


@pytest.fixture()
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "mmkg"
    for part in ("ontology", "graph", "shapes", "queries"):
        shutil.copytree(project_root() / part, root / part)
    monkeypatch.setenv("MMKG_SOURCES", str(sources_dir()))
    monkeypatch.setenv("MMKG_ROOT", str(root))
    yield root


def test_cache_is_reused_and_invalidated_by_a_change(project_copy: Path) -> None:
    first = run_build()
    assert not first.from_cache and first.report.conforms
    second = run_build()
    assert second.from_cache and second.content_hash == first.content_hash
    drugs = project_copy / "graph" / "entities" / "drugs.ttl"
    drugs.write_text(drugs.read_text(encoding="utf-8").replace('"Velcade"@en', '"Velcade"@en, "PS-341"@en'),
                     encoding="utf-8")
    third = run_build()
    assert not third.from_cache and third.report.conforms and third.content_hash != first.content_hash
    assert len(third.store) == len(first.store) + 1


def test_invalid_change_is_not_cached(project_copy: Path) -> None:
    regimens = project_copy / "graph" / "entities" / "regimens.ttl"
    text = regimens.read_text(encoding="utf-8")
    regimens.write_text(text.replace("mm:componentCount 2 .", "mm:componentCount 5 .", 1), encoding="utf-8")
    broken = run_build()
    assert not broken.report.conforms
    again = run_build()
    assert not again.from_cache and not again.report.conforms  # nothing invalid was cached


def test_serve_with_an_on_disk_store(tmp_path: Path) -> None:
    location = tmp_path / "store"
    for attempt in range(2):  # the second start finds the store already holding this build
        server = start_server("--store-path", str(location), "--workers", "1")
        try:
            r = httpx.get(server.sparql, params={"query": "ASK { <https://w3id.org/mmkg/id/trial/castor> ?p ?o }"})
            assert r.json()["boolean"] is True, attempt
        finally:
            stop_server(server)
    # one folder per build (a reload writes beside the one being read); both starts used the same one
    assert len([d for d in location.iterdir() if (d / "mmkg-content-hash").is_file()]) == 1
