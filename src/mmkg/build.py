"""The build: load ontology and curated files, infer, validate. All or nothing — a graph that fails
validation is never handed to a server. Valid builds are cached by the hash of everything they read."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from mmkg import __version__
from mmkg.errors import BuildInvalid
from mmkg.inference import apply_rules
from mmkg.loader import LoadedData, SourceFile, extra_files, load_files, project_files
from mmkg.paths import cache_dir, project_root, rules_dir, shapes_dir, sources_dir
from mmkg.query import graph_counts, solutions, term_value
from mmkg.validation import ValidationReport, check_quotes, validate_graph


@dataclass
class Build:
    store: ox.Store
    content_hash: str
    report: ValidationReport
    files: list[SourceFile] = field(default_factory=list)
    from_cache: bool = False

    @property
    def triples(self) -> int:
        return len(self.store)


def _inputs(files: list[SourceFile]) -> list[Path]:
    inputs = [f.path for f in files]
    inputs += sorted(shapes_dir().glob("*.ttl")) + sorted(rules_dir().glob("*.rq"))
    inputs += sorted(sources_dir().glob("*.txt")) if sources_dir().is_dir() else []
    inputs.append(Path(__file__).parent / "sources.py")
    return inputs


def content_hash(files: list[SourceFile]) -> str:
    """Hash of every file the build reads (data, shapes, rules, source texts) and the mmkg version."""
    digest = hashlib.sha256(__version__.encode())
    for path in _inputs(files):
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _to_rdflib(store: ox.Store) -> Graph:
    """The union of all graphs as an rdflib Graph, for pySHACL."""
    data = ox.serialize(
        (ox.Triple(q.subject, q.predicate, q.object) for q in store), format=ox.RdfFormat.N_TRIPLES
    )
    g = Graph()
    g.parse(data=data, format="nt")
    return g


def _attach_files(report: ValidationReport, data: LoadedData) -> None:
    for v in report.violations:
        v.files = data.files_of(v.focus_node)


def run_build(extra: list[Path] | None = None, *, use_cache: bool = True) -> Build:
    """Load, infer and validate; returns the build with its report (valid or not). See `build`."""
    files = project_files() + extra_files(extra or [])
    key = content_hash(files)
    cached = cache_dir() / f"{key}.nq"
    if use_cache and not extra and cached.is_file():
        store = ox.Store()
        store.load(path=cached, format=ox.RdfFormat.N_QUADS)
        return Build(store, key, ValidationReport([]), files, from_cache=True)

    data = load_files(files)
    store = ox.Store()
    store.extend(data.quads)
    apply_rules(store)
    report = validate_graph(_to_rdflib(store), include_ontology=False)
    report.violations.extend(check_quotes(store))
    _attach_files(report, data)
    result = Build(store, key, report, files)
    if report.conforms and not extra:
        cache_dir().mkdir(exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        store.dump(output=tmp, format=ox.RdfFormat.N_QUADS)
        tmp.replace(cached)
    return result


def build(extra: list[Path] | None = None, *, use_cache: bool = True) -> Build:
    """A valid build or BuildInvalid: the only way a graph reaches a store that serves."""
    result = run_build(extra, use_cache=use_cache)
    if not result.report.conforms:
        raise BuildInvalid(result.report)
    return result


def stats(store: ox.Store) -> dict[str, dict[str, int]]:
    """Triples per named graph and instances per class (over the union of graphs)."""
    per_class: dict[str, int] = {}
    query = "SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY ?class"
    for row in solutions(store, query):
        cls = row["class"]
        if isinstance(cls, ox.NamedNode):
            per_class[cls.value] = int(term_value(row["n"]))
    return {"graphs": graph_counts(store, include_default=True), "classes": per_class}


def stats_json(store: ox.Store) -> str:
    return json.dumps(stats(store), indent=2)


def relative(path: Path) -> str:
    root = project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
