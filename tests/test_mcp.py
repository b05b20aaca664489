"""`mmkg mcp` as an MCP client sees it: the real command started as a subprocess, spoken to through the SDK's
stdio client and a ClientSession (which also checks every structured result against the tool's output schema)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import ClientSession, StdioServerParameters, stdio_client, types

from mmkg.namespaces import ID
from mmkg.paths import project_root, sources_dir
from mmkg.resolve import UnknownEntity
from mmkg.templates import load_templates

pytestmark = pytest.mark.anyio

EXTRA_TOOLS = {"ask", "sparql", "describe"}
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _env() -> dict[str, str]:
    """The stdio client passes only a few variables on; keep the ones that say where the project is."""
    return {k: v for k, v in os.environ.items() if k.startswith("MMKG_")}


class Connection:
    def __init__(self, session: ClientSession, stray: list[object], log: Path) -> None:
        self.session = session
        self.stray = stray  # anything the client could not read as a protocol message
        self.log = log  # the server's stderr
        self.tools: dict[str, types.Tool] = {}

    async def call(self, name: str, arguments: dict[str, Any] | None = None) -> types.CallToolResult:
        result = await self.session.call_tool(name, arguments or {})
        assert isinstance(result, types.CallToolResult)
        return result

    async def ok(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """A successful call's structured content, checked against the output schema the server listed, and
        equal to the JSON in its text content."""
        result = await self.call(name, arguments)
        assert not result.is_error, _text(result)
        content = result.structured_content
        assert isinstance(content, dict)
        schema = self.tools[name].output_schema
        assert schema is not None
        Draft202012Validator(schema).validate(content)
        assert json.loads(_text(result)) == content
        return content

    async def error(self, name: str, arguments: dict[str, Any] | None = None) -> str:
        result = await self.call(name, arguments)
        assert result.is_error, result.structured_content
        return _text(result)


def _text(result: types.CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, types.TextContent))


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def mcp(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Connection]:
    stray: list[object] = []

    async def on_message(message: object) -> None:
        if isinstance(message, Exception):
            stray.append(message)

    params = StdioServerParameters(command=sys.executable, args=["-m", "mmkg.cli", "mcp"], env=_env(),
                                   cwd=project_root())
    log = tmp_path_factory.mktemp("mcp") / "server-stderr.log"
    with log.open("w", encoding="utf-8") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write, message_handler=on_message) as session:
            await session.initialize()
            connection = Connection(session, stray, log)
            connection.tools = {t.name: t for t in (await session.list_tools()).tools}
            yield connection


def _template_tool(template_id: str) -> str:
    return template_id.replace("-", "_")


async def test_one_tool_per_template_plus_ask_sparql_and_describe(mcp: Connection) -> None:
    templates = load_templates()
    assert set(mcp.tools) == {_template_tool(t) for t in templates} | EXTRA_TOOLS
    assert len(mcp.tools) == len(templates) + len(EXTRA_TOOLS)
    for name, tool in mcp.tools.items():
        assert tool.description, name
        for schema in (tool.input_schema, tool.output_schema):
            assert schema is not None and schema["type"] == "object", name
            Draft202012Validator.check_schema(schema)
        assert tool.annotations is not None and tool.annotations.read_only_hint is True, name
    for t in templates.values():
        tool = mcp.tools[_template_tool(t.id)]
        assert tool.description is not None and t.title in tool.description
        assert all(example in tool.description for example in t.examples)
        properties = tool.input_schema["properties"]
        assert set(properties) == {s.name for s in t.slots} | {"limit"}
        assert set(tool.input_schema.get("required", [])) == {s.name for s in t.slots if s.required}
        for slot in t.slots:
            assert properties[slot.name]["type"] == "string"
            if slot.name != "entity":
                assert properties[slot.name]["description"].startswith("id, label or IRI of ")
        assert properties["limit"] == {**properties["limit"], "type": "integer", "default": 50, "maximum": 500}
        output = tool.output_schema
        assert output is not None
        assert set(output["required"]) == {"template", "columns", "rows", "total", "sparql"}


async def test_every_template_answers_within_its_output_schema(mcp: Connection) -> None:
    """Each template tool, with its required slots taken from the examples its input schema gives."""
    for t in load_templates().values():
        name = _template_tool(t.id)
        properties = mcp.tools[name].input_schema["properties"]
        arguments = {s.name: properties[s.name]["examples"][0] for s in t.slots if s.required}
        content = await mcp.ok(name, arguments)
        assert content["template"] == t.id
        assert content["total"] >= len(content["rows"]) and len(content["rows"]) <= 50
        assert "SELECT" in content["sparql"]
        if t.id.startswith("list-"):
            assert content["rows"], t.id


async def test_results_castor_dvd_len_refractory_median_pfs(mcp: Connection) -> None:
    content = await mcp.ok("results", {"study": "castor", "regimen": "DVd", "population": "len-refractory",
                                       "endpoint": "median-pfs"})
    rows = content["rows"]
    assert content["total"] == len(rows) == 2  # the 2019 review and the 2024 review each give it
    assert {r["value"] for r in rows} == {7.8}
    assert {r["study"] for r in rows} == {ID + "trial/castor"}
    assert {r["population"] for r in rows} == {ID + "population/len-refractory"}
    assert {r["endpoint"] for r in rows} == {ID + "endpoint/median-pfs"}
    assert {r["source"] for r in rows} == {ID + "source/review-2019", ID + "source/mele-2024"}
    assert all(r["unit"] == "months" and r["status"] == "reported" and r["location"] for r in rows)
    assert "VALUES ?regimen { <https://w3id.org/mmkg/id/regimen/dara-vd> }" in content["sparql"]
    assert "value" in content["columns"] and "quote" in content["columns"]


async def test_labels_and_iris_resolve_like_ids(mcp: Connection) -> None:
    by_label = await mcp.ok("results", {"regimen": "DaraVd", "population": "Len-R", "endpoint": "median PFS",
                                        "study": ID + "trial/castor"})
    assert {r["value"] for r in by_label["rows"]} == {7.8}


async def test_limit_caps_rows_not_total(mcp: Connection) -> None:
    content = await mcp.ok("results", {"limit": 3})
    assert len(content["rows"]) == 3 and content["total"] > 3
    assert "limit" in await mcp.error("results", {"limit": 501})
    assert "no_such_slot" in await mcp.error("results", {"no_such_slot": "x"})
    assert "regimen" in await mcp.error("head_to_head", {})  # a required slot left out


async def test_unknown_regimen_is_a_tool_error_with_the_resolver_message(mcp: Connection) -> None:
    text = await mcp.error("results", {"regimen": "no-such-regimen", "population": "len-refractory"})
    assert text == str(UnknownEntity("regimen", "no-such-regimen"))
    assert "unknown regimen 'no-such-regimen'" in text


async def test_assertions_about_takes_any_entity(mcp: Connection) -> None:
    by_path = await mcp.ok("assertions_about", {"entity": "trial/castor", "limit": 500})
    by_label = await mcp.ok("assertions_about", {"entity": "CASTOR", "limit": 500})
    assert by_path["total"] > 0 and by_path["rows"] == by_label["rows"]
    assert "unknown entity" in await mcp.error("assertions_about", {"entity": "no-such-thing"})


async def test_sparql_select_ask_and_construct(mcp: Connection) -> None:
    select = await mcp.ok("sparql", {"query": "SELECT ?label WHERE { trial:castor skos:prefLabel ?label }"})
    assert select["kind"] == "solutions"
    assert [b["label"]["value"] for b in select["result"]["results"]["bindings"]] == ["CASTOR"]
    ask = await mcp.ok("sparql", {"query": "ASK { reg:dara-vd mm:hasComponent drug:daratumumab }"})
    assert ask == {"kind": "boolean", "result": {"head": {}, "boolean": True}}
    graph = await mcp.ok("sparql", {"query": "CONSTRUCT WHERE { trial:castor skos:prefLabel ?l }"})
    assert graph["kind"] == "graph" and 'trial:castor skos:prefLabel "CASTOR"@en' in graph["result"]
    # the query's own PREFIX declarations are honoured
    own = await mcp.ok("sparql", {"query": "PREFIX t: <https://w3id.org/mmkg/id/trial/>\n"
                                           "SELECT ?l WHERE { t:castor <http://www.w3.org/2004/02/skos/core#"
                                           "prefLabel> ?l }"})
    assert own["result"]["results"]["bindings"][0]["l"]["value"] == "CASTOR"


async def test_sparql_errors_carry_the_parser_message(mcp: Connection) -> None:
    text = await mcp.error("sparql", {"query": "SELECT * WHERE { ?s ?p }"})
    assert text.startswith("malformed query: error at 1:")
    capped = await mcp.error("sparql", {"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert "1000" in capped  # more rows than the cap is an error, not a truncated answer


async def test_sparql_refuses_updates_and_leaves_the_data_unchanged(mcp: Connection) -> None:
    before = await mcp.ok("sparql", {"query": COUNT_ALL})
    for update in ("DROP ALL", "CLEAR DEFAULT", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                   "PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }"):
        text = await mcp.error("sparql", {"query": update})
        assert "read-only" in text and "error at" in text, text
    after = await mcp.ok("sparql", {"query": COUNT_ALL})
    assert after == before
    assert int(after["result"]["results"]["bindings"][0]["n"]["value"]) > 10_000


async def test_sparql_refuses_federated_queries(mcp: Connection) -> None:
    # the server must not fetch addresses a client chooses
    text = await mcp.error("sparql", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert "SERVICE" in text


async def test_describe_castor(mcp: Connection) -> None:
    for given in ("trial/castor", "trial:castor", ID + "trial/castor"):
        content = await mcp.ok("describe", {"iri": given})
        assert content["iri"] == ID + "trial/castor"
        assert content["triples"] > 10
        assert 'trial:castor' in content["turtle"] and '"CASTOR"@en' in content["turtle"]
    assert "no resource" in await mcp.error("describe", {"iri": "trial/no-such-trial"})


async def test_ask_answers_pvd_in_len_refractory_after_one_prior_line(mcp: Connection) -> None:
    content = await mcp.ok("ask", {"question": "median PFS of PVd in lenalidomide-refractory patients after one "
                                               "prior line"})
    assert content["understood"] is True
    assert "17.8" in content["answer"]  # OPTIMISMM, both reviews


async def test_nothing_but_protocol_on_stdout(mcp: Connection) -> None:
    assert (await mcp.ok("list_sources"))["rows"]
    assert mcp.stray == []
    log = mcp.log.read_text(encoding="utf-8")
    assert "Traceback" not in log and "Error" not in log, log  # e.g. a query result dropped on the wrong thread


@pytest.fixture()
def broken_project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "mmkg"
    for part in ("ontology", "graph", "shapes", "queries"):
        shutil.copytree(project_root() / part, root / part)
    regimens = root / "graph" / "entities" / "regimens.ttl"
    text = regimens.read_text(encoding="utf-8")
    regimens.write_text(text.replace("mm:componentCount 2 .", "mm:componentCount 5 .", 1), encoding="utf-8")
    yield root


def test_an_invalid_graph_ends_the_server_with_a_message_on_stderr_only(broken_project: Path) -> None:
    env = {**os.environ, "MMKG_ROOT": str(broken_project), "MMKG_SOURCES": str(sources_dir())}
    proc = subprocess.run([sys.executable, "-m", "mmkg.cli", "mcp"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "does not conform" in proc.stderr
