"""The `mmkg` command: validate, stats, build, results, table, ask, mappings, external, mcp, serve, load."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from mmkg.build import build, relative, run_build, stats
from mmkg.errors import BuildInvalid, MmkgError
from mmkg.graphstore import GraphStore
from mmkg.namespaces import curie
from mmkg.paths import project_root


def _cmd_validate(args: argparse.Namespace) -> int:
    result = run_build([Path(p) for p in args.extra], use_cache=False)
    root = project_root()
    problems = [v for v in result.report.violations if v.is_violation]
    warnings = [v for v in result.report.violations if not v.is_violation]
    for v in problems + warnings:
        print(("VIOLATION " if v.is_violation else "WARNING ") + v.render(root))
        print()
    files = len(result.files)
    if problems:
        print(f"does not conform: {len(problems)} violation(s), {len(warnings)} warning(s) in {files} files")
        return 1
    print(f"conforms: {files} files, {result.triples} triples (with inferred), {len(warnings)} warning(s)")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    result = build()
    s = stats(result.store)
    print("triples per named graph")
    for graph, n in s["graphs"].items():
        print(f"  {n:>7}  {graph}")
    print("instances per class")
    for cls, n in s["classes"].items():
        if args.all or cls.startswith("https://w3id.org/mmkg/"):
            print(f"  {n:>7}  {curie(cls)}")
    return 0


_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def _cmd_build(args: argparse.Namespace) -> int:
    result = build()
    fmt = args.format or ("trig" if args.output.endswith(".trig") else "nquads")
    result.store.dump(output=args.output, format=_FORMATS[fmt])
    print(f"wrote {result.triples} quads in {len(stats(result.store)['graphs'])} named graphs to {args.output}")
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from mmkg.results import write_results_csv

    write_results_csv(build().store, sys.stdout)
    return 0


def _cmd_table(args: argparse.Namespace) -> int:
    from mmkg.tables import render_table

    print(render_table(build().store, args.source, args.table, fmt=args.format), end="")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from mmkg.ask.cli import run_ask

    return run_ask(" ".join(args.question), _graph_store(args), as_json=args.json)


def _cmd_mcp(args: argparse.Namespace) -> int:
    from mmkg.mcp_server import main as mcp_main

    return mcp_main()


def _store_spec(args: argparse.Namespace) -> str | None:
    from mmkg.remote import STORE_ENV

    return getattr(args, "store", None) or os.environ.get(STORE_ENV) or None


def _graph_store(args: argparse.Namespace) -> GraphStore:
    """The remote store named by --store / MMKG_STORE, else the (cached) local build."""
    spec = _store_spec(args)
    if spec is None:
        return build().store
    from mmkg.remote import StoreConfig, open_remote

    return open_remote(StoreConfig.parse(spec, timeout_s=getattr(args, "timeout", 10.0)))[0]


def _entity(store: GraphStore, value: str) -> ox.NamedNode:
    """An entity given as IRI, CURIE-like id path (drug/lenalidomide) or prefixed name (drug:lenalidomide)."""
    from mmkg.namespaces import ID, PREFIXES

    prefix, sep, local = value.partition(":")
    if value.startswith(("http://", "https://")):
        iri = value
    elif sep and prefix in PREFIXES:
        iri = PREFIXES[prefix] + local
    else:
        iri = ID + value.strip("/")
    from mmkg.describe import exists

    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise MmkgError(f"not an IRI: {value!r}") from None
    if not exists(store, node.value):
        raise MmkgError(f"no entity {value!r} in the graph; give an IRI or an id such as drug/lenalidomide")
    return node


def _cmd_mappings(args: argparse.Namespace) -> int:
    from mmkg.query import template_solutions
    from mmkg.templates import template

    store = _graph_store(args)
    slots: dict[str, ox.NamedNode | ox.Literal] = {"entity": _entity(store, args.entity)} if args.entity else {}
    for row in template_solutions(store, template("mappings").bind(slots)):
        subject = curie(row["subject"].value)
        if row["is_gap"].value == "true":
            print(f"{subject}\tNO TERM FOUND in {row['scheme'].value.rsplit('/', 1)[-1]}\t{row['evidence'].value}")
        else:
            conf = row["confidence"].value if row["confidence"] is not None else ""
            print(f"{subject}\t{curie(row['predicate'].value)}\t{row['target'].value}\t{conf}")
    return 0


def _cmd_external(args: argparse.Namespace) -> int:
    import json

    from mmkg.external import ExternalEndpoint, enrich

    store = _graph_store(args)
    spec = args.endpoint if "=" in args.endpoint else f"cli={args.endpoint}"
    endpoint = ExternalEndpoint.parse(spec)
    result = enrich(store, _entity(store, args.entity), endpoint, timeout_s=args.timeout, limit=args.limit)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
        return 0
    print(f"{curie(result.entity)}: {len(result.mappings)} mapped IRI(s); "
          f"{len(result.facts)} fact(s) from {endpoint.url}")
    for f in result.facts:
        prop = f["property_label"] or curie(f["property"])
        value = f["value"] + (f" ({f['value_label']})" if f["value_label"] else "")
        print(f"  {f['subject']}\t{prop}\t{value}")
    if result.truncated:
        print(f"  … truncated at {args.limit} facts (--limit)")
    return 0


def _admin_token(path: str | None) -> str | None:
    """The admin token: from the file if one is named, else $MMKG_ADMIN_TOKEN; None disables the admin routes."""
    if path:
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MmkgError(f"--admin-token-file {path}: cannot read it ({exc.strerror})") from None
        if not token:
            raise MmkgError(f"--admin-token-file {path} is empty; put the token on its first line")
    else:
        token = os.environ.get("MMKG_ADMIN_TOKEN", "").strip()
    if token and len(token) < 16:
        raise MmkgError("the admin token is shorter than 16 characters; use a long random one "
                        "(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return token or None


def _cmd_serve(args: argparse.Namespace) -> int:
    from mmkg.external import ExternalEndpoint
    from mmkg.remote import StoreConfig
    from mmkg.server import serve
    from mmkg.settings import Settings
    from mmkg.store import ExtraGraph

    spec = _store_spec(args)
    if spec is not None and (args.store_path or args.extra_graph):
        raise MmkgError("--store-path and --extra-graph are for the embedded store; with --store, push extra "
                        "graphs with `mmkg load --store … --extra-graph IRI=FILE`")
    settings = Settings(
        store=StoreConfig.parse(spec, timeout_s=args.timeout) if spec is not None else None,
        host=args.host, port=args.port, query_timeout_s=args.timeout, max_result_rows=args.max_rows,
        query_workers=args.workers, store_path=Path(args.store_path) if args.store_path else None,
        extra_graphs=[ExtraGraph.parse_option(e) for e in args.extra_graph],
        federation_allow=tuple(args.federation_allow),
        external_endpoints=tuple(ExternalEndpoint.parse(e) for e in args.external_endpoint),
        external_timeout_s=args.external_timeout,
        admin_token=_admin_token(args.admin_token_file),
        access_log=not args.no_access_log,
        max_body_bytes=args.max_body_bytes,
        max_url_bytes=args.max_url_bytes,
    )
    serve(settings)
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from mmkg.remote import StoreConfig
    from mmkg.remote_load import push
    from mmkg.store import ExtraGraph, add_extra_graphs, served_key

    spec = _store_spec(args)
    if spec is None:
        raise MmkgError("mmkg load needs --store sparql+http://HOST:PORT/PATH (or MMKG_STORE)")
    config = StoreConfig.parse(spec, update_url=args.store_update, gsp_url=args.store_gsp, timeout_s=args.timeout)
    result = run_build(use_cache=True)  # push refuses it if it does not conform
    extras = [ExtraGraph.parse_option(e) for e in args.extra_graph]
    add_extra_graphs(result.store, extras)
    manifest = push(result, config, content_hash=served_key(result.content_hash, extras),
                    progress=lambda m: print(f"mmkg load: {m}", file=sys.stderr, flush=True))
    print(f"loaded {sum(manifest.graphs.values())} quads in {len(manifest.graphs)} named graphs into "
          f"{config.query_url} (build {manifest.content_hash})")
    return 0


_STORE_HELP = ("a SPARQL 1.1 server holding a build pushed by `mmkg load` (default: $MMKG_STORE, else the embedded "
               "store); write credentials from MMKG_STORE_USER / MMKG_STORE_PASSWORD")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mmkg", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate ontology + graph (+ extra files); exit 1 on any violation")
    v.add_argument("extra", nargs="*", help="additional Turtle files to validate with the graph")
    v.set_defaults(func=_cmd_validate)

    s = sub.add_parser("stats", help="counts per class and per named graph")
    s.add_argument("--all", action="store_true", help="include classes of other vocabularies")
    s.set_defaults(func=_cmd_stats)

    b = sub.add_parser("build", help="write the merged, inferred graph with its named graphs")
    b.add_argument("-o", "--output", required=True, help="output file (.nq or .trig)")
    b.add_argument("--format", choices=sorted(_FORMATS), help="default: from the file extension, else nquads")
    b.set_defaults(func=_cmd_build)

    r = sub.add_parser("results", help="CSV of every quantitative fact (one row per result) on stdout")
    r.set_defaults(func=_cmd_results)

    t = sub.add_parser("table", help="regenerate a source table from the graph")
    t.add_argument("source", help="source key: review-2019 or mele-2024")
    t.add_argument("table", help="table number, e.g. 1")
    t.add_argument("--format", choices=["md", "csv"], default="md")
    t.set_defaults(func=_cmd_table)

    a = sub.add_parser("ask", help="answer a question in plain words, with values, data gaps and citations")
    a.add_argument("question", nargs="+", help="the question")
    a.add_argument("--json", action="store_true", help="print the whole answer object as JSON")
    a.add_argument("--store", metavar="sparql+http://…", help=_STORE_HELP)
    a.set_defaults(func=_cmd_ask)

    mp = sub.add_parser("mappings", help="an entity's links to ChEBI, NCIt, DrugBank, ATC, NCT… and its mapping gaps")
    mp.add_argument("entity", nargs="?", help="IRI or id (drug/lenalidomide, trial:castor); default: every mapping")
    mp.add_argument("--store", metavar="sparql+http://…", help=_STORE_HELP)
    mp.set_defaults(func=_cmd_mappings)

    ex = sub.add_parser("external", help="facts an external SPARQL endpoint holds about an entity's mapped IRIs")
    ex.add_argument("entity", help="IRI or id (drug/lenalidomide; a regimen asks about its drugs)")
    ex.add_argument("--endpoint", required=True, metavar="URL", help="the external SPARQL endpoint (or NAME=URL)")
    ex.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the endpoint (default 5)")
    ex.add_argument("--limit", type=int, default=500, help="most facts to fetch (default 500)")
    ex.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    ex.add_argument("--store", metavar="sparql+http://…", help=_STORE_HELP)
    ex.set_defaults(func=_cmd_external)

    m = sub.add_parser("mcp", help="run a Model Context Protocol server on stdio (one tool per template)")
    m.set_defaults(func=_cmd_mcp)

    sv = sub.add_parser("serve", help="serve the validated graph over HTTP (prints its URL)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--timeout", type=float, default=10.0, help="per-query time limit in seconds (default 10)")
    sv.add_argument("--max-rows", type=int, default=10_000, help="result cap: rows or triples per answer")
    sv.add_argument("--workers", type=int, default=3, help="query worker processes (default 3)")
    sv.add_argument("--store", metavar="sparql+http://…", help=_STORE_HELP)
    sv.add_argument("--store-path", help="keep the served store on disk in this folder (default: in memory)")
    sv.add_argument("--extra-graph", action="append", default=[], metavar="IRI=FILE",
                    help="also serve FILE as the named graph IRI (repeatable; parsed, not validated)")
    sv.add_argument("--federation-allow", action="append", default=[], metavar="URL",
                    help="a SPARQL endpoint queries may reach with SERVICE (repeatable; default: none)")
    sv.add_argument("--external-endpoint", action="append", default=[], metavar="NAME=URL",
                    help="an external SPARQL endpoint /api/entities/…/external may ask (repeatable; default: none)")
    sv.add_argument("--external-timeout", type=float, default=5.0,
                    help="seconds to wait for an external endpoint (default 5)")
    sv.add_argument("--admin-token-file", metavar="FILE",
                    help="file holding the token for /admin/* (default: $MMKG_ADMIN_TOKEN; neither: admin disabled)")
    sv.add_argument("--no-access-log", action="store_true", help="do not log one JSON line per request")
    sv.add_argument("--max-body-bytes", type=int, default=1_000_000,
                    help="larger request bodies are refused with 413 (default 1000000)")
    sv.add_argument("--max-url-bytes", type=int, default=32_768,
                    help="longer request targets (path and query string) are refused with 414 (default 32768)")
    sv.set_defaults(func=_cmd_serve)

    ld = sub.add_parser("load", help="push the validated build into a SPARQL server's named graphs (atomic switch)")
    ld.add_argument("--store", metavar="sparql+http://…", help=_STORE_HELP)
    ld.add_argument("--store-gsp", metavar="URL", help="its Graph Store Protocol endpoint (or MMKG_STORE_GSP)")
    ld.add_argument("--store-update", metavar="URL", help="its SPARQL Update endpoint (or MMKG_STORE_UPDATE)")
    ld.add_argument("--extra-graph", action="append", default=[], metavar="IRI=FILE",
                    help="also push FILE as the named graph IRI (repeatable; parsed, not validated)")
    ld.add_argument("--timeout", type=float, default=60.0, help="seconds per request to the store (default 60)")
    ld.set_defaults(func=_cmd_load)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BuildInvalid as exc:
        root = project_root()
        for v in exc.report.violations[:20]:
            print(v.render(root), file=sys.stderr)
        print(f"mmkg: {exc}", file=sys.stderr)
        return 1
    except MmkgError as exc:
        print(f"mmkg: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main", "parser", "relative"]
