"""The question layer and the templates over HTTP: /api/ask, /api/templates, /api/templates/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request

from mmkg.api.deps import served_store
from mmkg.api.rest import run_template
from mmkg.ask.answer import answer_question
from mmkg.templates import TemplateError, load_templates

router = APIRouter(prefix="/api", tags=["questions"])
MAX_QUESTION_CHARS = 2000


@router.get("/ask", summary="Answer a question in plain words (HTTP 200 whether understood or not)")
def ask_get(request: Request, q: str = Query(..., max_length=MAX_QUESTION_CHARS, description="the question")
            ) -> dict[str, Any]:
    return answer_question(q, served_store(request))


QuestionBody = Annotated[dict[str, str], Body(examples=[{"q": "PFS of PVd in Len-R after 1 LOT"}])]
SlotsBody = Annotated[dict[str, str], Body()]


@router.post("/ask", summary="Answer a question sent as JSON {\"q\": \"…\"}")
def ask_post(request: Request, body: QuestionBody) -> dict[str, Any]:
    question = body.get("q") or body.get("question") or ""
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise HTTPException(422, f"send {{\"q\": \"your question\"}} of at most {MAX_QUESTION_CHARS} characters")
    return answer_question(question, served_store(request))


@router.get("/templates", summary="The query templates, with their slots and example questions")
def templates() -> dict[str, Any]:
    return {"templates": [
        {"id": t.id, "title": t.title, "description": t.description, "examples": t.examples,
         "slots": [{"name": s.name, "type": s.type, "required": s.required} for s in t.slots]}
        for t in load_templates().values()]}


def _run(request: Request, template_id: str, slots: dict[str, str], limit: int, offset: int) -> dict[str, Any]:
    if template_id not in load_templates():
        raise HTTPException(404, f"no template {template_id!r}; see /api/templates")
    known = {s.name for s in load_templates()[template_id].slots}
    unknown = set(slots) - known
    if unknown:
        raise HTTPException(422, f"template {template_id!r} has no slot(s) {sorted(unknown)}; it takes {sorted(known)}")
    try:
        return run_template(request, template_id, dict(slots), limit=limit, offset=offset)
    except TemplateError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/templates/{template_id}", summary="Run a template; slot values (ids, labels or IRIs) as parameters")
def run_get(request: Request, template_id: str, limit: int = Query(100, ge=1, le=1000),
            offset: int = Query(0, ge=0)) -> dict[str, Any]:
    slots = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    return _run(request, template_id, slots, limit, offset)


@router.post("/templates/{template_id}", summary="Run a template; slot values as a JSON object")
def run_post(request: Request, template_id: str, slots: SlotsBody,
             limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    return _run(request, template_id, slots, limit, offset)
