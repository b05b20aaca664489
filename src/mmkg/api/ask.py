"""The question layer and the templates over HTTP: /api/ask, /api/templates, /api/templates/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mmkg.api.deps import served_store
from mmkg.api.responses import errors, refuse_other_methods
from mmkg.api.rest import run_template
from mmkg.ask.answer import answer_question
from mmkg.templates import TemplateError, load_templates

router = APIRouter(prefix="/api", tags=["questions"])
MAX_QUESTION_CHARS = 2000


class Slot(BaseModel):
    iri: str
    label: str


class Nearest(BaseModel):
    basis: str = Field(description="how the nearest evidence relates to what was asked")
    rows: list[dict[str, str]]


class Answer(BaseModel):
    """The answer object (mmkg.ask.answer.answer_question); documents the route, the handler builds the dict."""

    # Not understood: the answer says so and suggestions show what can be asked.
    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"understood": {"const": False}}},
        "then": {"properties": {"suggestions": {"minItems": 1}, "template": {"type": "null"}}}})

    question: str
    understood: bool
    template: str | None = Field(description="the query template the question was matched to")
    slots: dict[str, Slot] = Field(description="slot name → the entity linked from the question")
    sparql: str | None = Field(description="the query that was run")
    answer: str = Field(description="one or two sentences stating only values the graph holds")
    columns: list[str]
    rows: list[dict[str, str]]
    gaps: list[dict[str, str]] = Field(description="data gaps recorded for what was asked")
    sources: list[dict[str, str]] = Field(description="source, location and exact quote of each value")
    confidence: float = Field(ge=0, le=1)
    alternatives: list[dict[str, Any]] = Field(description="other readings of ambiguous mentions")
    suggestions: list[str] = Field(description="questions to try instead, when not understood")
    nearest: Nearest | None = Field(None, description="nearest available evidence, when nothing was reported")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # the None default means 'left out'; null itself is refused


class Question(BaseModel):
    # Typed str with a None default: either key may be left out, but neither may be null or empty.
    q: str = Field(None, min_length=1, max_length=MAX_QUESTION_CHARS,  # type: ignore[assignment]
                   description="the question", examples=["PFS of PVd in Len-R after 1 LOT"],
                   json_schema_extra=_no_default)
    question: str = Field(None, min_length=1, max_length=MAX_QUESTION_CHARS,  # type: ignore[assignment]
                          description="the question, for clients that call it so (q wins when both are sent)",
                          json_schema_extra=_no_default)
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["q"]}, {"required": ["question"]}]})

    @model_validator(mode="after")
    def _asks_something(self) -> Question:
        if self.q is None and self.question is None:
            raise ValueError(f'send {{"q": "your question"}} of 1 to {MAX_QUESTION_CHARS} characters')
        return self

    @property
    def text(self) -> str:
        return self.q if self.q is not None else self.question


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": Answer, "description": "the answer, understood or not (then `understood` is false and "
                                          "`suggestions` says what can be asked)"},
    **errors({422: "no question, an empty one, or one longer than 2000 characters"}),
}
UNREADABLE_BODY = errors({400: "the body is not JSON text (FastAPI cannot parse it)"})
TEMPLATE_ERRORS = errors({404: "no template with this id; the ids are listed at /api/templates",
                          422: "a slot the template does not have, a required slot missing, or a slot value "
                               "that names no entity of its kind"})


@router.get("/ask", summary="Answer a question in plain words (HTTP 200 whether understood or not)",
            response_model=None, responses=ANSWERS)
def ask_get(request: Request, q: str = Query(..., max_length=MAX_QUESTION_CHARS, description="the question")
            ) -> dict[str, Any]:
    return answer_question(q, served_store(request))


SlotsBody = Annotated[dict[str, str], Body()]


@router.post("/ask", summary="Answer a question sent as JSON {\"q\": \"…\"}", response_model=None,
             responses={**ANSWERS, **UNREADABLE_BODY})
def ask_post(request: Request, body: Question) -> dict[str, Any]:
    return answer_question(body.text, served_store(request))


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


@router.get("/templates/{template_id}", summary="Run a template; slot values (ids, labels or IRIs) as parameters",
            responses=TEMPLATE_ERRORS)
def run_get(request: Request, template_id: str, limit: int = Query(100, ge=1, le=1000),
            offset: int = Query(0, ge=0)) -> dict[str, Any]:
    slots = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    return _run(request, template_id, slots, limit, offset)


@router.post("/templates/{template_id}", summary="Run a template; slot values as a JSON object",
             responses={**TEMPLATE_ERRORS, **UNREADABLE_BODY})
def run_post(request: Request, template_id: str, slots: SlotsBody,
             limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    return _run(request, template_id, slots, limit, offset)


# Last: after every route of this router, so each path's other methods get a 405 naming all its methods.
refuse_other_methods(router)
