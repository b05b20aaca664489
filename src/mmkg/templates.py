"""Query templates: the SPARQL files of queries/ with their `#+ ` headers, run with slots bound as RDF terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from mmkg.errors import MmkgError
from mmkg.graphstore import GraphStore
from mmkg.paths import queries_dir
from mmkg.query import template_solutions

_HEADER = re.compile(r"^#\+\s*(\w+)(?:\s+(\w+))?\s*:\s*(.*)$")
# Where slot bindings go: a line holding only this marker, inside the group whose patterns bind the slots.
SLOT_MARKER = "#+ slot-patterns"


class TemplateError(MmkgError):
    pass


@dataclass(frozen=True)
class Slot:
    name: str
    type: str  # a class, as a CURIE (mm:Regimen), or xsd:string for a literal
    required: bool
    pattern: str = ""  # graph pattern added when the slot is given (binds ?name); from the template, never the user


@dataclass
class Template:
    id: str
    title: str
    description: str
    sparql: str
    path: Path
    slots: list[Slot] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def bind(self, slots: dict[str, ox.NamedNode | ox.Literal] | None = None) -> str:
        """The query with slot values bound: for each given slot, the template's pattern for it and a
        `VALUES ?slot { term }` clause holding the value as a serialised RDF term (never the user's text)."""
        slots = slots or {}
        by_name = {s.name: s for s in self.slots}
        for slot in self.slots:
            if slot.required and slot.name not in slots:
                raise TemplateError(f"template {self.id!r} needs slot {slot.name!r} ({slot.type})")
        unknown = set(slots) - set(by_name)
        if unknown:
            raise TemplateError(f"template {self.id!r} has no slot(s) {sorted(unknown)}")
        lines = []
        for name, value in slots.items():
            if not isinstance(value, ox.NamedNode | ox.Literal):
                raise TemplateError(f"slot {name!r} must be an RDF term, got {type(value).__name__}")
            if by_name[name].pattern:
                lines.append(by_name[name].pattern)
            lines.append(f"VALUES ?{name} {{ {value} }}")
        return self.sparql.replace(SLOT_MARKER, "\n".join(lines), 1)

    def run(self, store: GraphStore, slots: dict[str, ox.NamedNode | ox.Literal] | None = None) -> ox.QuerySolutions:
        return template_solutions(store, self.bind(slots))


def parse_template(path: Path) -> Template:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    slots: list[Slot] = []
    patterns: dict[str, str] = {}
    examples: list[str] = []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if not m:
            continue
        key, arg, value = m.group(1), m.group(2), m.group(3).strip()
        if key == "slot" and arg:
            parts = value.split()
            slots.append(Slot(arg, parts[0], required=len(parts) < 2 or parts[1] != "optional"))
        elif key == "when" and arg:
            patterns[arg] = value
        elif key == "example":
            examples.append(value)
        else:
            meta[key] = value
    if "id" not in meta:
        raise TemplateError(f"{path}: template header has no '#+ id:' line")
    slots = [Slot(s.name, s.type, s.required, patterns.get(s.name, "")) for s in slots]
    if slots and SLOT_MARKER not in [line.strip() for line in text.splitlines()]:
        raise TemplateError(f"{path}: template has slots but no '{SLOT_MARKER}' line where they are bound")
    return Template(meta["id"], meta.get("title", meta["id"]), meta.get("description", ""), text, path,
                    slots, examples)


@cache
def load_templates() -> dict[str, Template]:
    templates: dict[str, Template] = {}
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
