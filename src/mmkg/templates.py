"""Query templates: the SPARQL files of queries/ with their `#+ ` headers, run with slots bound as RDF terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from mmkg.errors import MmkgError
from mmkg.namespaces import PREFIXES
from mmkg.paths import queries_dir

_HEADER = re.compile(r"^#\+\s*(\w+)(?:\s+(\w+))?\s*:\s*(.*)$")


class TemplateError(MmkgError):
    pass


@dataclass(frozen=True)
class Slot:
    name: str
    type: str  # a class, as a CURIE (mm:Regimen)
    required: bool


@dataclass
class Template:
    id: str
    title: str
    description: str
    sparql: str
    path: Path
    slots: list[Slot] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def run(self, store: ox.Store, slots: dict[str, ox.NamedNode | ox.Literal] | None = None) -> ox.QuerySolutions:
        slots = slots or {}
        for slot in self.slots:
            if slot.required and slot.name not in slots:
                raise TemplateError(f"template {self.id!r} needs slot {slot.name!r} ({slot.type})")
        unknown = set(slots) - {s.name for s in self.slots}
        if unknown:
            raise TemplateError(f"template {self.id!r} has no slot(s) {sorted(unknown)}")
        substitutions = {ox.Variable(name): value for name, value in slots.items()}
        result = store.query(
            self.sparql, prefixes=PREFIXES, use_default_graph_as_union=True, substitutions=substitutions
        )
        assert isinstance(result, ox.QuerySolutions)
        return result


def parse_template(path: Path) -> Template:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    slots: list[Slot] = []
    examples: list[str] = []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if not m:
            continue
        key, arg, value = m.group(1), m.group(2), m.group(3).strip()
        if key == "slot" and arg:
            parts = value.split()
            slots.append(Slot(arg, parts[0], required=len(parts) < 2 or parts[1] != "optional"))
        elif key == "example":
            examples.append(value)
        else:
            meta[key] = value
    if "id" not in meta:
        raise TemplateError(f"{path}: template header has no '#+ id:' line")
    return Template(meta["id"], meta.get("title", meta["id"]), meta.get("description", ""), text, path,
                    slots, examples)


@cache
def load_templates() -> dict[str, Template]:
    templates = {}
    for path in sorted(queries_dir().glob("*.rq")):
        t = parse_template(path)
        if t.id in templates:
            raise TemplateError(f"{path}: template id {t.id!r} already used by {templates[t.id].path}")
        templates[t.id] = t
    return templates


def template(template_id: str) -> Template:
    try:
        return load_templates()[template_id]
    except KeyError:
        raise TemplateError(f"no template {template_id!r}; known: {sorted(load_templates())}") from None


def plain(term: object) -> str:
    """A result cell as text: IRIs and literals by value, unbound as empty."""
    if term is None:
        return ""
    value = getattr(term, "value", None)
    return str(value) if value is not None else str(term)
