"""Read the ontology and curated Turtle files into named graphs, remembering which file said what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from mmkg.errors import ParseFailure
from mmkg.mappings import mapping_triples, read_sssom, sssom_files
from mmkg.namespaces import MAPPINGS_GRAPH, ONTOLOGY_GRAPH, curated_graph
from mmkg.paths import graph_dir, mappings_dir, ontology_dir


@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph: str  # named graph IRI the file's triples go to


@dataclass
class LoadedData:
    """Quads of every input file, and for each IRI subject the files that describe it."""

    quads: list[ox.Quad] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    subject_files: dict[str, set[Path]] = field(default_factory=dict)

    def files_of(self, iri: str) -> list[Path]:
        return sorted(self.subject_files.get(iri, ()))


def project_files() -> list[SourceFile]:
    """Every Turtle file of the build, with its named graph (design notes, 'Named graphs').

    ontology/*.ttl → graph/ontology; graph/<dir>/*.ttl → graph/curated/<dir>;
    graph/<name>.ttl → graph/curated/<name>; mappings/*.sssom.tsv → graph/mappings.
    """
    files = [SourceFile(p, ONTOLOGY_GRAPH) for p in sorted(ontology_dir().glob("*.ttl"))]
    root = graph_dir()
    for path in sorted(root.rglob("*.ttl")):
        rel = path.relative_to(root)
        name = rel.parts[0] if len(rel.parts) > 1 else path.stem
        files.append(SourceFile(path, curated_graph(name)))
    files += [SourceFile(p, MAPPINGS_GRAPH) for p in sssom_files(mappings_dir())]
    return files


def extra_files(paths: Iterable[Path]) -> list[SourceFile]:
    """Files given on the command line; each goes to its own curated graph named after the file."""
    return [SourceFile(Path(p), curated_graph("extra-" + Path(p).stem)) for p in paths]


def load_files(files: Iterable[SourceFile]) -> LoadedData:
    data = LoadedData()
    for source in files:
        data.files.append(source)
        graph = ox.NamedNode(source.graph)
        for t in read_triples(source.path):
            data.quads.append(ox.Quad(t.subject, t.predicate, t.object, graph))
            if isinstance(t.subject, ox.NamedNode):
                data.subject_files.setdefault(t.subject.value, set()).add(source.path)
    return data


def read_triples(path: Path) -> list[ox.Triple]:
    """A Turtle file's triples, or an SSSOM mapping file's RDF (mmkg.mappings)."""
    if path.name.endswith(".sssom.tsv"):
        return mapping_triples(read_sssom(path))
    try:
        with path.open("rb") as handle:
            return list(ox.parse(handle, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))
    except SyntaxError as exc:
        raise ParseFailure(path, str(exc)) from exc
    except OSError as exc:
        raise ParseFailure(path, f"cannot read: {exc}") from exc
