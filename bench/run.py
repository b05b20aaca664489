"""Endpoint benchmark: one query per template family plus a DESCRIBE and a property path, answered by
(a) pyoxigraph in-process, (b) mmkg's /sparql over HTTP, (c) Oxigraph's own server, (d) rdflib-endpoint — all on
the same data, in one run. Single-client latency (median, p99) and requests/s under a bounded concurrent load
(wrk, 16 connections). Writes bench/RESULTS.md. Run with `make bench`.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
from scale import BEGIN as SCALE_SECTION  # bench/scale.py's section of RESULTS.md, kept when this file is rewritten

from mmkg.build import build
from mmkg.namespaces import sparql_prologue
from mmkg.templates import template

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
BENCH_BIN = ROOT / ".venv-bench" / "bin"
SINGLE_RUNS = int(os.environ.get("MMKG_BENCH_RUNS", "100"))
LOAD_SECONDS = int(os.environ.get("MMKG_BENCH_LOAD_S", "8"))
CONNECTIONS = 16
SLOW_SYSTEM_RUNS = 2  # rdflib-endpoint answers in seconds or minutes: two runs, no warm-up, are enough to know
SLOW_TIMEOUT_S = 30


def _slotted(template_id: str, **slots: str) -> str:
    return template(template_id).bind({k: ox.NamedNode(v) for k, v in slots.items()})


ID = "https://w3id.org/mmkg/id/"
QUERIES: dict[str, tuple[str, str]] = {
    # name: (query without prologue, Accept)
    "result lookup (regimen × population)": (_slotted("results", regimen=ID + "regimen/dara-kd",
                                                       population=ID + "population/len-refractory"),
                                             "application/sparql-results+json"),
    "data gaps of a trial": (_slotted("gaps", study=ID + "trial/castor"), "application/sparql-results+json"),
    "trials by drug": (_slotted("list-trials", drug=ID + "drug/daratumumab"), "application/sparql-results+json"),
    "regimens by drug class": (_slotted("list-regimens", drug_class=ID + "drug-class/anti-cd38-mab"),
                               "application/sparql-results+json"),
    "data cuts and conflicts": (_slotted("discrepancies"), "application/sparql-results+json"),
    "derived gaps": (_slotted("derived-gaps"), "application/sparql-results+json"),
    "DESCRIBE a trial": ("DESCRIBE <https://w3id.org/mmkg/id/trial/castor>", "text/turtle"),
    "property path (drug → classes*)": (
        "SELECT ?drug ?class WHERE { ?drug a mm:Drug ; mm:inDrugClass/mm:broaderDrugClass* ?class }",
        "application/sparql-results+json"),
}


def full_query(text: str) -> str:
    return sparql_prologue() + "\n".join(line for line in text.splitlines() if not line.startswith("#+"))


@dataclass
class Figures:
    p50_ms: float | None = None
    p99_ms: float | None = None
    rps: float | None = None
    note: str = ""


@dataclass
class System:
    name: str
    figures: dict[str, Figures] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_calls(call: Callable[[], object], runs: int, *, warm_up: int = 5) -> tuple[float, float]:
    for _ in range(warm_up):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.99)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, accept: str, seconds: int, timeout_s: int = 10) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) from wrk with CONNECTIONS connections on 2 threads."""
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", f"--timeout={timeout_s}s", "--latency",
                          "-H", f"Accept: {accept}", url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"wrk saw {non2xx.group(1)} error responses from {url}")
    return rps, float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")


def bench_http(system: System, endpoint: str, *, runs: int, load_s: int, timeout_s: int = 10,
               warm_up: int = 5) -> None:
    with httpx.Client(timeout=timeout_s * 6 if warm_up else timeout_s) as client:
        for name, (text, accept) in QUERIES.items():
            q = full_query(text)

            def call(q: str = q, accept: str = accept) -> None:
                r = client.get(endpoint, params={"query": q}, headers={"Accept": accept})
                r.raise_for_status()

            try:
                p50, p99 = time_calls(call, runs, warm_up=warm_up)
                rps, load_p99 = wrk(f"{endpoint}?query={quote(q)}", accept, load_s, timeout_s)
                system.figures[name] = Figures(p50, p99, rps, f"p99 under load {load_p99:.1f} ms")
            except httpx.TimeoutException:
                system.figures[name] = Figures(rps=0.0, note=f"timeout (> {timeout_s} s)")
            except (httpx.HTTPError, RuntimeError, subprocess.CalledProcessError) as exc:
                system.figures[name] = Figures(note=f"failed: {str(exc)[:80]}")
            print(f"  {system.name:22} {name:38} {system.figures[name]}", flush=True)


def start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        m = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = m.group(1).strip() if m else cpu
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        m = re.search(r"MemTotal:\s+(\d+)", meminfo.read_text())
        mem = f", {int(m.group(1)) / 1024 / 1024:.0f} GiB RAM" if m else ""
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores, {cpu}{mem}, {system}"


def main() -> int:
    if shutil.which("wrk") is None or not (BENCH_BIN / "oxigraph").exists():
        print("run `make bench` (it installs wrk and the comparison servers first)", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    result = build()
    nquads = WORK / "graph.nq"
    result.store.dump(output=nquads, format=ox.RdfFormat.N_QUADS)
    ntriples = WORK / "graph.nt"  # the union, for rdflib-endpoint's default graph
    ntriples.write_bytes(ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in result.store),
                                      format=ox.RdfFormat.N_TRIPLES) or b"")
    print(f"graph: {len(result.store)} quads", flush=True)
    systems: list[System] = []

    inproc = System("pyoxigraph in-process")
    store = ox.Store()
    store.load(path=nquads, format=ox.RdfFormat.N_QUADS)
    for name, (text, accept) in QUERIES.items():
        q = full_query(text)

        def call(q: str = q, accept: str = accept) -> None:
            answer = store.query(q, use_default_graph_as_union=True)
            if isinstance(answer, ox.QuerySolutions):
                answer.serialize(format=ox.QueryResultsFormat.JSON)
            else:
                ox.serialize(answer, format=ox.RdfFormat.TURTLE)

        p50, p99 = time_calls(call, SINGLE_RUNS * 5)
        inproc.figures[name] = Figures(p50, p99)
        print(f"  {inproc.name:22} {name:38} {inproc.figures[name]}", flush=True)
    systems.append(inproc)

    port = free_port()
    ours = start([sys.executable, "-m", "mmkg.cli", "serve", "--port", str(port)], WORK / "mmkg.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/sparql")
        systems.append(System("mmkg /sparql"))
        bench_http(systems[-1], f"http://127.0.0.1:{port}/sparql", runs=SINGLE_RUNS, load_s=LOAD_SECONDS)
    finally:
        stop(ours)

    location = WORK / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    subprocess.run([str(BENCH_BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads)],
                   check=True, capture_output=True)
    port = free_port()
    oxi = start([str(BENCH_BIN / "oxigraph"), "serve-read-only", "--location", str(location), "--bind",
                 f"127.0.0.1:{port}", "--union-default-graph"], WORK / "oxigraph.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/query")
        systems.append(System("Oxigraph server"))
        bench_http(systems[-1], f"http://127.0.0.1:{port}/query", runs=SINGLE_RUNS, load_s=LOAD_SECONDS)
    finally:
        stop(oxi)

    port = free_port()
    rdf_ep = start([str(BENCH_BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port),
                    str(ntriples)], WORK / "rdflib-endpoint.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        systems.append(System("rdflib-endpoint"))
        bench_http(systems[-1], f"http://127.0.0.1:{port}/", runs=SLOW_SYSTEM_RUNS, load_s=5,
                   timeout_s=SLOW_TIMEOUT_S, warm_up=0)
    finally:
        stop(rdf_ep)

    write_results(systems, len(result.store))
    return 0


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_results(systems: list[System], quads: int) -> None:
    by_name = {s.name: s for s in systems}
    inproc, ours, oxi = by_name["pyoxigraph in-process"], by_name["mmkg /sparql"], by_name["Oxigraph server"]
    lines = [
        "# Benchmark results",
        "",
        "How the cost grows with the graph (10 k to 10 M triples, embedded store vs Virtuoso, with a log-log plot): "
        "section *Scale benchmark* at the end of this file (written by bench/scale.py).",
        "",
        f"Generated by `make bench` (bench/run.py) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {machine()}. Shared and noisy: compare figures within one run, as ratios.",
        f"Data: the validated mmkg build, {quads} quads, default graph = union of the named graphs on every system.",
        f"Single client: {SINGLE_RUNS} sequential keep-alive requests per query after 5 warm-up requests "
        f"(in-process: {SINGLE_RUNS * 5} runs, query + JSON/Turtle serialisation); rdflib-endpoint: "
        f"{SLOW_SYSTEM_RUNS} runs, no warm-up, {SLOW_TIMEOUT_S} s limit per request. "
        f"Load: wrk, 2 threads, {CONNECTIONS} connections, {LOAD_SECONDS} s per query "
        "(5 s for rdflib-endpoint).",
        "",
        "## Single-client latency (ms): median / p99",
        "",
        "| query | " + " | ".join(s.name for s in systems) + " | mmkg − in-process (median) |",
        "|---|" + "---|" * (len(systems) + 1),
    ]
    for name in QUERIES:
        cells = []
        for s in systems:
            f = s.figures.get(name, Figures())
            cells.append(f"{fmt(f.p50_ms)} / {fmt(f.p99_ms)}" if f.p50_ms is not None else (f.note or "—"))
        delta = (ours.figures[name].p50_ms or 0) - (inproc.figures[name].p50_ms or 0)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {delta:+.2f} |")
    lines += ["", f"## Requests/s under load ({CONNECTIONS} connections)", "",
              "| query | " + " | ".join(s.name for s in systems[1:]) + " | mmkg ÷ Oxigraph server |",
              "|---|" + "---|" * len(systems)]
    for name in QUERIES:
        cells = [fmt(s.figures.get(name, Figures()).rps, 1) for s in systems[1:]]
        ratio = (ours.figures[name].rps or 0) / (oxi.figures[name].rps or float("inf"))
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f}× |")
    deltas = [(ours.figures[n].p50_ms or 0) - (inproc.figures[n].p50_ms or 0) for n in QUERIES]
    ratios = [(ours.figures[n].rps or 0) / (oxi.figures[n].rps or float("inf")) for n in QUERIES]
    lines += ["", "## Against the goals of issue 4", "",
              f"- HTTP median within 2 ms of in-process: worst excess {max(deltas):.2f} ms "
              f"({'met' if max(deltas) <= 2 else 'NOT met'}).",
              f"- At least 0.9× Oxigraph server's requests/s on every query: worst ratio {min(ratios):.2f}× "
              f"({'met' if min(ratios) >= 0.9 else 'NOT met'}).", ""]
    path = ROOT / "bench" / "RESULTS.md"
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    from load import BEGIN as LOAD_SECTION  # here, not at the top: bench/load.py imports this module

    sections = [previous.index(m) for m in (SCALE_SECTION, LOAD_SECTION) if m in previous]  # kept, in their order
    kept = previous[min(sections):] if sections else ""
    path.write_text("\n".join(lines) + ("\n" + kept if kept else ""), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
