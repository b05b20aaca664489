"""The web front end: the question page (/), the evidence charts (/charts), the SPARQL editor (/editor), their
bundled assets (/static/…) and the entity autocomplete they use (/api/suggest). Every picture and table is drawn
in the browser from the JSON API; nothing is fetched from outside 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from mmkg.api.deps import served_store
from mmkg.ask.answer import context

STATIC = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(tags=["web pages"])
SUGGEST_KINDS = ("regimen", "drug", "drug_class", "study", "population", "endpoint")


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)


def _page(name: str) -> FileResponse:
    # no-cache: a page must pick up a new build's assets after a restart
    return FileResponse(STATIC / "ui" / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/", include_in_schema=False)
def ask_page() -> FileResponse:
    return _page("ask.html")


@router.get("/charts", include_in_schema=False)
def charts_page() -> FileResponse:
    return _page("charts.html")


@router.get("/editor", include_in_schema=False)
def editor_page() -> FileResponse:
    return _page("editor.html")


@router.get("/api/suggest", tags=["questions"],
            summary="Entities whose label contains the text (drugs, regimens, studies, populations…), for autocomplete")
def suggest(request: Request, q: str = Query("", max_length=100), limit: int = Query(12, ge=1, le=50)
            ) -> dict[str, Any]:
    text = q.strip().lower()
    lexicon = context(served_store(request)).lexicon
    seen: dict[str, dict[str, str]] = {}
    for kinds in lexicon.by_key.values():
        for kind, entities in kinds.items():
            if kind not in SUGGEST_KINDS:
                continue
            for e in entities:
                if e.iri not in seen:
                    seen[e.iri] = {"iri": e.iri, "label": e.label, "kind": kind}
    # prefix matches first, then matches inside the label; shorter labels first within each
    hits = [s for s in seen.values() if text in s["label"].lower()] if text else list(seen.values())
    hits.sort(key=lambda s: (not s["label"].lower().startswith(text), len(s["label"]), s["label"]))
    return {"q": q, "items": hits[:limit]}


# The editor's example of each template binds its required slots to an entity every build holds.
_EXAMPLE_SLOTS = {"study": "trial/castor", "regimen": "regimen/kd", "endpoint": "endpoint/median-pfs",
                  "entity": "drug/lenalidomide", "table": "table/mele-2024-t1"}


@router.get("/api/examples", tags=["questions"],
            summary="Every template of queries/ as a runnable SPARQL query (with prefixes), for the editor")
def examples() -> dict[str, Any]:
    import pyoxigraph as ox

    from mmkg.namespaces import ID, sparql_prologue
    from mmkg.templates import load_templates

    prologue = sparql_prologue()
    items = []
    for t in load_templates().values():
        slots: dict[str, ox.NamedNode | ox.Literal] = {
            s.name: ox.NamedNode(ID + _EXAMPLE_SLOTS.get(s.name, "")) for s in t.slots if s.required}
        body = "\n".join(line for line in t.bind(slots).splitlines() if not line.startswith("#+"))
        items.append({"id": t.id, "title": t.title, "sparql": prologue + body.strip() + "\n"})
    return {"prefixes": prologue, "items": items}
