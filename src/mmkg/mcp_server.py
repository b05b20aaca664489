"""`mmkg mcp`: a Model Context Protocol server on stdio.

Tools: one per query template of queries/ (typed slots, resolved like the REST API's filters), `ask` (a question in
plain words), `sparql` (any read-only query, run in a killable worker with a time limit and a row cap) and
`describe` (the triples about one IRI). Every tool declares an output schema and answers with structured content
plus the same JSON as text. Tool failures (unknown entity, syntax error, update, timeout) are tool results with
`isError` set, so the model sees the message and can correct itself.

The graph is built and validated once at start-up. stdout carries the protocol and nothing else: the build runs
with Python's stdout sent to stderr, and while serving the SDK points fd 1 at stderr (worker processes started
then inherit that).
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pyoxigraph as ox
from jsonschema import Draft202012Validator
from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from mmkg import __version__
from mmkg.build import Build, build
from mmkg.describe import describe, exists
from mmkg.errors import MmkgError
from mmkg.executor import QueryExecutor, QueryRequest
from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID, PREFIXES, sparql_prologue
from mmkg.query import UpdateRefused, query_form, solutions, template_solutions, term_value
from mmkg.resolve import KINDS, VOCAB_KINDS, UnknownEntity, resolve
from mmkg.templates import Slot, Template, load_templates

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
SPARQL_TIMEOUT_S = 10.0
SPARQL_MAX_ROWS = 1000
MAX_QUERY_CHARS = 100_000

INSTRUCTIONS = """\
A knowledge graph of the evidence for multiple myeloma progressing after frontline lenalidomide, read from two \
review articles: studies, regimens, drugs, populations, endpoints, quantitative results, data gaps and what the \
sources say, every fact with its source, location and exact quote.
- `ask`: a question in plain words; answers with values, data gaps and citations.
- One tool per query template (results, gaps, head_to_head, ranking, list_trials, ...): typed filters taking an \
id (dara-vd), a label (DVd, Len-R) or an IRI.
- `sparql`: any read-only SPARQL query over the union of all graphs; the prefixes mm:, trial:, reg:, drug:, pop:, \
ep:, skos:, prov: ... are predeclared.
- `describe`: the triples about one IRI (e.g. trial/castor).
A missing value is a data gap, never zero: check the status column and the gaps tool."""

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_REAL_TYPES = {_XSD + t for t in ("decimal", "double", "float")}
_EMPTY = ox.Store()  # parses queries without touching data
# A query that fails to parse and starts like an update (after its prologue) is refused as an update.


class ToolFailure(Exception):
    """A tool call that failed in a way the caller can fix; its text goes back as the tool's error result."""


# ---------------------------------------------------------------- schemas

_CELL = {"type": ["string", "number", "boolean"]}
_READ_ONLY = types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                                   open_world_hint=False)

# What a slot's class is called in its parameter description.
_NOUNS = {
    "mm:Study": "study (trial, real-world study, pooled analysis, meta-analysis or indirect comparison)",
    "mm:Regimen": "regimen",
    "mm:Drug": "drug",
    "mm:DrugClass": "drug class",
    "mm:Population": "population",
    "mm:Endpoint": "endpoint",
    "mm:ReviewArticle": "source review article",
    "mm:SourceTable": "table of a source review",
    "mm:Phase": "trial phase",
    "mm:StudyStatus": "study status",
}
_SLOT_NOUNS = {
    "regimen_class": "class of regimen (e.g. Triplet, AntiCD38Regimen; a subclass of mm:Regimen)",
    "kind": "kind of study (e.g. RandomizedControlledTrial, RealWorldStudy; a subclass of mm:Study)",
    "regimen2": "second regimen, compared with the first",
    "comparator": "regimen of a comparator arm",
}


def _slot_examples(store: GraphStore, name: str) -> list[str]:
    """A few values the slot accepts, taken from the graph and checked with resolve()."""
    candidates: list[str] = []
    if name in KINDS:
        cls, folders = KINDS[name]
        query = f"SELECT DISTINCT ?x ?l WHERE {{ ?x a {ox.NamedNode(cls)} OPTIONAL {{ ?x skos:prefLabel ?l }} }}"
        found = {(term_value(r["x"]), term_value(r["l"]) if r["l"] is not None else "")
                 for r in solutions(store, query) if isinstance(r["x"], ox.NamedNode)}
        for folder in folders:  # ids in the first folder first (trial/ before study/)
            candidates += sorted(iri[len(ID + folder):] for iri, _ in found if iri.startswith(ID + folder))
        if not folders:
            candidates += sorted(label for _, label in found)
    elif name in VOCAB_KINDS:
        query = f"SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf {ox.NamedNode(VOCAB_KINDS[name])} }}"
        candidates = sorted(term_value(r["c"]).rsplit("#", 1)[-1] for r in solutions(store, query)
                            if isinstance(r["c"], ox.NamedNode))
    examples: list[str] = []
    for value in candidates:
        if len(examples) >= 4:
            break
        if not value or value in examples:
            continue
        with contextlib.suppress(UnknownEntity):
            resolve(store, name, value)
            examples.append(value)
    return examples


def _slot_property(store: GraphStore, slot: Slot, examples: dict[str, list[str]]) -> dict[str, Any]:
    if slot.name == "entity":
        return {"type": "string", "minLength": 1,
                "description": "IRI of any entity (https://w3id.org/mmkg/id/...), a path like trial/castor, or "
                               "the id or label of a study, regimen or drug",
                "examples": ["trial/castor", "CASTOR", "reg:dara-vd"]}
    if slot.type == "xsd:string":
        return {"type": "string", "description": f"text for {slot.name}"}
    noun = _SLOT_NOUNS.get(slot.name) or _NOUNS.get(slot.type) or f"{slot.name} ({slot.type})"
    article = "an" if noun[0] in "aeiou" else "a"
    prop: dict[str, Any] = {"type": "string", "minLength": 1, "description": f"id, label or IRI of {article} {noun}"}
    if slot.name not in examples:
        examples[slot.name] = _slot_examples(store, slot.name)
    if examples[slot.name]:
        prop["examples"] = examples[slot.name]
    return prop


def _limit_property() -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT,
            "description": f"at most this many rows in `rows` (default {DEFAULT_LIMIT}, max {MAX_LIMIT}); "
                           "`total` counts them all"}


def _columns(t: Template) -> list[str]:
    """The template's result variables, from parsing it with any required slot bound to a placeholder."""
    placeholder: dict[str, ox.NamedNode | ox.Literal] = {
        s.name: ox.NamedNode("urn:mmkg:placeholder") for s in t.slots if s.required}
    return [v.value for v in solutions(_EMPTY, t.bind(placeholder)).variables]


def _template_output_schema(t: Template, columns: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "template": {"type": "string", "const": t.id},
            "columns": {"type": "array", "items": {"type": "string", "enum": columns}},
            "rows": {"type": "array", "description": "one object per solution; unbound cells are left out",
                     "items": {"type": "object", "properties": {c: _CELL for c in columns},
                               "additionalProperties": False}},
            "total": {"type": "integer", "minimum": 0, "description": "all rows, before `limit`"},
            "sparql": {"type": "string", "description": "the query that ran, with the slots bound"},
        },
        "required": ["template", "columns", "rows", "total", "sparql"],
        "additionalProperties": False,
    }


def _template_description(t: Template) -> str:
    text = f"{t.title}. {t.description}".strip()
    if t.examples:
        text += "\nExample questions: " + " | ".join(t.examples)
    return text + ("\nReturns {template, columns, rows, total, sparql}; values are cited by the source and "
                   "location columns.")


_ASK_INPUT = {
    "type": "object",
    "properties": {"question": {"type": "string", "minLength": 1, "description": "the question, in plain words",
                                "examples": ["What is the median PFS of DKd in lenalidomide-refractory patients?"]}},
    "required": ["question"],
    "additionalProperties": False,
}
_ANY_LIST = {"type": "array"}
_ASK_OUTPUT = {
    "type": "object",
    "properties": {
        "question": {"type": "string"},
        "understood": {"type": "boolean", "description": "whether the question was mapped onto a template"},
        "template": {"type": ["string", "null"], "description": "the template that answered"},
        "slots": {"type": ["object", "null"], "description": "the entities recognised, by slot"},
        "sparql": {"type": ["string", "null"], "description": "the query that ran"},
        "answer": {"type": ["string", "null"], "description": "the answer in words, with its values"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object"}},
        "gaps": {**_ANY_LIST, "description": "data gaps bearing on the question"},
        "sources": {**_ANY_LIST, "description": "the sources cited"},
        "confidence": {"type": ["number", "string", "null"]},
        "alternatives": _ANY_LIST,
        "suggestions": _ANY_LIST,
        "nearest": {"type": "object", "description": "when nothing answers exactly: the nearest evidence and how "
                                                    "it was found"},
    },
    "required": ["question", "understood", "template", "slots", "sparql", "answer", "columns", "rows", "gaps",
                 "sources", "confidence", "alternatives", "suggestions"],
}
_SPARQL_INPUT = {
    "type": "object",
    "properties": {"query": {
        "type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS,
        "description": "a SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE query; the default graph is the union of "
                       "all graphs; these prefixes are predeclared: " + ", ".join(f"{p}:" for p in PREFIXES),
        "examples": ["SELECT ?trial ?label WHERE { ?trial a mm:Study ; skos:prefLabel ?label } LIMIT 10"]}},
    "required": ["query"],
    "additionalProperties": False,
}
_SPARQL_OUTPUT = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["solutions", "boolean", "graph"]},
        "result": {"oneOf": [
            {"type": "object", "description": "SPARQL 1.1 Query Results JSON (head + results.bindings, or "
                                              "head + boolean)",
             "properties": {"head": {"type": "object"}, "results": {"type": "object"},
                            "boolean": {"type": "boolean"}},
             "required": ["head"]},
            {"type": "string", "description": "the graph of a CONSTRUCT or DESCRIBE, as Turtle"},
        ]},
    },
    "required": ["kind", "result"],
    "additionalProperties": False,
}
_DESCRIBE_INPUT = {
    "type": "object",
    "properties": {"iri": {"type": "string", "minLength": 1,
                           "description": "an IRI (https://w3id.org/mmkg/id/...), a path under it (trial/castor) "
                                          "or a prefixed name (trial:castor)",
                           "examples": ["trial/castor", "https://w3id.org/mmkg/id/regimen/dara-vd"]}},
    "required": ["iri"],
    "additionalProperties": False,
}
_DESCRIBE_OUTPUT = {
    "type": "object",
    "properties": {"iri": {"type": "string"}, "turtle": {"type": "string"},
                   "triples": {"type": "integer", "minimum": 1}},
    "required": ["iri", "turtle", "triples"],
    "additionalProperties": False,
}


# ---------------------------------------------------------------- values


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str | int | float | bool:
    """A result cell as JSON: numbers as numbers, booleans as booleans, everything else by its lexical value."""
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in _REAL_TYPES:
                number = float(term.value)
                return number if math.isfinite(number) else term.value
        except ValueError:
            return term.value
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
    return term_value(term)


def _turtle(statements: Iterable[ox.Triple | ox.Quad]) -> str:
    """Turtle with the project's prefixes, declaring only those it uses."""
    triples = [ox.Triple(t.subject, t.predicate, t.object) for t in statements]
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
            if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    used = {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}
    return (ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used) or b"").decode("utf-8")


def _query_kind(query: str) -> str:
    """'solutions', 'boolean' or 'graph' (query.query_form, with the project's prefixes), as a tool error if not."""
    try:
        return query_form(query, None, True)
    except UpdateRefused as exc:
        raise ToolFailure(f"SPARQL Update is not allowed: this tool is read-only ({exc})") from None
    except SyntaxError as exc:
        raise ToolFailure(f"malformed query: {exc}") from None


def _iri_of(value: str) -> str:
    """An IRI from what a user gave for one: an IRI, <IRI>, a prefixed name, or a path under the id namespace."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if text.startswith(("http://", "https://", "urn:")):
        return text
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    path = text.lstrip("/")
    return ID + (path[3:] if path.startswith("id/") else path)


def _existing_node(store: GraphStore, iri: str) -> ox.NamedNode | None:
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return None
    return node if exists(store, iri) else None


def _resolve_entity(store: GraphStore, value: str) -> ox.NamedNode:
    """The `entity` slot: any IRI in the graph, else the unique study, regimen, drug... with that id or label."""
    node = _existing_node(store, _iri_of(value))
    if node is not None:
        return node
    found: set[str] = set()
    for kind in ("study", "regimen", "drug", "drug_class", "population", "endpoint", "source"):
        try:
            found.add(resolve(store, kind, value).value)
        except UnknownEntity as exc:
            found.update(exc.matches)
    if len(found) == 1:
        return ox.NamedNode(found.pop())
    if found:
        raise ToolFailure(f"entity {value!r} is ambiguous: {sorted(found)}; use the IRI")
    raise ToolFailure(f"unknown entity {value!r}; give an IRI, a path like trial/castor, or the id or label of a "
                      "study, regimen or drug")


# ---------------------------------------------------------------- tools


@dataclass(frozen=True)
class _Tool:
    spec: types.Tool
    run: Callable[[dict[str, Any]], dict[str, Any]]  # blocking; runs in a worker thread
    validator: Draft202012Validator


class McpApp:
    """The tools over one validated build."""

    def __init__(self, graph: Build) -> None:
        self.store = graph.store
        self._graph = graph
        self._executor: QueryExecutor | None = None
        self._executor_lock = threading.Lock()
        self._closed = False
        self.tools: dict[str, _Tool] = {}
        self._examples: dict[str, list[str]] = {}  # slot name -> values it accepts, shown in the input schemas
        for t in load_templates().values():
            self._add_template_tool(t)
        self._add("ask", "Answer a question", self._ask, _ASK_INPUT, _ASK_OUTPUT,
                  "Answer a question about the evidence in plain words (median PFS of a regimen in a population, "
                  "regimens compared, trials of a drug, data gaps...). Returns the answer with its values, the "
                  "data gaps that bear on it, the sources cited, the template and SPARQL that ran, and suggestions "
                  "when the question was not understood.")
        self._add("sparql", "Run a SPARQL query", self._sparql, _SPARQL_INPUT, _SPARQL_OUTPUT,
                  f"Run a read-only SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) over the whole graph, with "
                  f"a {SPARQL_TIMEOUT_S:g} s time limit and at most {SPARQL_MAX_ROWS} rows or triples. SELECT and "
                  f"ASK answer SPARQL JSON results; CONSTRUCT and DESCRIBE answer Turtle. Updates are refused.")
        self._add("describe", "Describe an entity", self._describe, _DESCRIBE_INPUT, _DESCRIBE_OUTPUT,
                  "The triples about one IRI as Turtle: its own statements with their citations (blank nodes), "
                  "then the statements pointing at it.")

    def _add(self, name: str, title: str, run: Callable[[dict[str, Any]], dict[str, Any]],
             input_schema: dict[str, Any], output_schema: dict[str, Any], description: str) -> None:
        if name in self.tools:
            raise MmkgError(f"two MCP tools named {name!r}")
        Draft202012Validator.check_schema(input_schema)
        Draft202012Validator.check_schema(output_schema)
        spec = types.Tool(name=name, title=title, description=description, input_schema=input_schema,
                          output_schema=output_schema, annotations=_READ_ONLY)
        self.tools[name] = _Tool(spec, run, Draft202012Validator(input_schema))

    def _add_template_tool(self, t: Template) -> None:
        properties = {s.name: _slot_property(self.store, s, self._examples) for s in t.slots}
        properties["limit"] = _limit_property()
        input_schema = {"type": "object", "properties": properties,
                        "required": [s.name for s in t.slots if s.required], "additionalProperties": False}
        columns = _columns(t)

        def run(arguments: dict[str, Any]) -> dict[str, Any]:
            return self._run_template(t, arguments)

        self._add(t.id.replace("-", "_"), t.title, run, input_schema, _template_output_schema(t, columns),
                  _template_description(t))

    # -- tool bodies (blocking)

    def _run_template(self, t: Template, arguments: dict[str, Any]) -> dict[str, Any]:
        limit = int(arguments.get("limit", DEFAULT_LIMIT))
        slots: dict[str, ox.NamedNode | ox.Literal] = {}
        for slot in t.slots:
            value = arguments.get(slot.name)
            if value is None or not str(value).strip():
                continue
            value = str(value).strip()
            if slot.name == "entity":
                slots[slot.name] = _resolve_entity(self.store, value)
            elif slot.type == "xsd:string":
                slots[slot.name] = ox.Literal(value)
            else:
                try:
                    slots[slot.name] = resolve(self.store, slot.name, value)
                except UnknownEntity as exc:
                    raise ToolFailure(str(exc)) from None
        query = t.bind(slots)
        answer = template_solutions(self.store, query)
        columns = [v.value for v in answer.variables]
        rows: list[dict[str, Any]] = []
        total = 0
        for solution in answer:
            total += 1
            if len(rows) < limit:
                row = {}
                for c in columns:
                    term = solution[c]
                    if term is not None:
                        row[c] = _cell(term)
                rows.append(row)
        return {"template": t.id, "columns": columns, "rows": rows, "total": total, "sparql": query}

    def _ask(self, arguments: dict[str, Any]) -> dict[str, Any]:
        from mmkg.ask import answer_question  # imported when first asked: the other tools serve without it

        answer = answer_question(arguments["question"], self.store)
        result = json.loads(json.dumps(answer, default=str))
        if not isinstance(result, dict):
            raise MmkgError("answer_question did not return an object")
        return result

    def _query_executor(self) -> QueryExecutor:
        with self._executor_lock:
            if self._closed:
                raise ToolFailure("the server is shutting down")
            if self._executor is None:
                from mmkg.store import prepare_data

                _, data_path, _ = prepare_data(self._graph, [], None)
                self._executor = QueryExecutor(Path(data_path), workers=1, timeout_s=SPARQL_TIMEOUT_S)
            return self._executor

    def _sparql(self, arguments: dict[str, Any]) -> dict[str, Any]:
        query: str = arguments["query"]
        kind = _query_kind(query)
        media = "text/turtle" if kind == "graph" else "application/sparql-results+json"
        # The workers take no prefix map: the prologue goes in front (the query's own PREFIX lines win).
        request = QueryRequest(sparql_prologue() + query, kind, media, max_rows=SPARQL_MAX_ROWS)
        try:
            response = self._query_executor().run(request)
        except MmkgError as exc:  # timeout, result cap, evaluation failure, busy
            raise ToolFailure(str(exc)) from None
        if kind == "graph":
            return {"kind": kind, "result": _turtle(ox.parse(response.body, format=ox.RdfFormat.TURTLE))}
        return {"kind": kind, "result": json.loads(response.body)}

    def _describe(self, arguments: dict[str, Any]) -> dict[str, Any]:
        given: str = arguments["iri"]
        iri = _iri_of(given)
        if _existing_node(self.store, iri) is None:
            raise ToolFailure(f"no resource {iri} in this graph (from {given!r}); find ids with the list_* tools "
                              "or the sparql tool")
        triples = describe(self.store, iri)
        return {"iri": iri, "turtle": _turtle(triples), "triples": len(triples)}

    # -- protocol

    async def list_tools(self, ctx: ServerRequestContext[Any, Any],
                         params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool.spec for tool in self.tools.values()])

    async def call_tool(self, ctx: ServerRequestContext[Any, Any],
                        params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = self.tools.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}; known: {sorted(self.tools)}")
        arguments = dict(params.arguments or {})
        problems = sorted(tool.validator.iter_errors(arguments), key=lambda e: list(e.path))
        if problems:
            detail = "; ".join(f"{'/'.join(map(str, p.path)) or 'arguments'}: {p.message}" for p in problems)
            return _error(f"invalid arguments for {params.name}: {detail}")
        content, failure = await anyio.to_thread.run_sync(_invoke, tool.run, arguments)
        if content is None:
            return _error(failure or f"{params.name} failed")
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(content, ensure_ascii=False))],
            structured_content=content,
        )

    def server(self) -> Server[Any]:
        return Server("mmkg", version=__version__, title="mmkg: myeloma evidence knowledge graph",
                      instructions=INSTRUCTIONS, on_list_tools=self.list_tools, on_call_tool=self.call_tool)

    async def serve_stdio(self) -> None:
        server = self.server()
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    def close(self) -> None:
        with self._executor_lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.close()


def _invoke(run: Callable[[dict[str, Any]], dict[str, Any]],
            arguments: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Run a tool body (in a worker thread): its content, or the text of its failure. Failures come back as text,
    not exceptions, because an exception's frames can hold pyoxigraph results, which must be released on the
    thread that made them."""
    try:
        return run(arguments), None
    except (ToolFailure, MmkgError) as exc:
        return None, str(exc)
    except ImportError as exc:
        return None, f"not available in this installation: {exc}"
    except Exception as exc:  # a bug: report it to the caller and log it, keep serving
        traceback.print_exc(file=sys.stderr)
        return None, f"internal error: {type(exc).__name__}: {exc}"


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def main() -> int:
    """Serve on stdio until the client closes the connection. A graph that does not validate raises BuildInvalid
    before anything is written to stdout (the `mmkg` command reports it on stderr)."""
    with contextlib.redirect_stdout(sys.stderr):
        app = McpApp(build())
    try:
        anyio.run(app.serve_stdio)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
