"""How mmkg's cost grows with the graph: load, inference, memory and template latency on the embedded store and
on Virtuoso, at 10 k, 100 k, 1 M and 10 M synthetic triples, each size in its own process so memory is its own.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000,10000000] [--runs 20]
                                    [--virtuoso-max 1000000]

Virtuoso (Debian's virtuoso-opensource, a private instance per size on 127.0.0.1) gets the same graph through
`mmkg load`'s code path (Graph Store Protocol in staging graphs, then the switch) up to --virtuoso-max triples;
its latency is through mmkg's RemoteStore, so it includes the HTTP round trip and result parsing.

Writes bench/RESULTS-scale.md and bench/scale.json (read by bench/plot_scale.py for the log-log PNG). The graph at
each size is the curated build (ontology, both reviews, mappings) plus bench/synth.py's synthetic evidence; the
inference rules run over the union, as in a build, so the defined regimen classes and derived gaps exist.
Latency is in-process (pyoxigraph, no HTTP): the store's own cost; bench/run.py measures the HTTP layer.
The baseline of each run is the same query on the smallest size, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

ID = "https://w3id.org/mmkg/id/"
MM = "https://w3id.org/mmkg/vocab#"
# one typical call per template family, with slots as the question layer would bind them
CASES: list[tuple[str, str, dict[str, str]]] = [
    ("results: regimen × population", "results", {"regimen": ID + "regimen/kd",
                                                  "population": ID + "population/len-refractory-1-prior-line"}),
    ("results: regimen class × population", "results", {"regimen_class": MM + "AntiCD38Regimen",
                                                        "population": ID + "population/len-refractory-1-prior-line"}),
    ("gaps: population", "gaps", {"population": ID + "population/len-refractory-1-prior-line"}),
    ("derived gaps (all)", "derived-gaps", {}),
    ("trials by drug", "list-trials", {"drug": ID + "drug/daratumumab"}),
    ("ranking: median PFS × population", "ranking", {"endpoint": ID + "endpoint/median-pfs",
                                                      "population": ID + "population/len-refractory"}),
    ("head-to-head", "head-to-head", {"regimen": ID + "regimen/kd", "regimen2": ID + "regimen/vd"}),
    ("trial facts", "trial-facts", {"study": ID + "trial/synth-0"}),
    ("what the sources say (entity)", "assertions-about", {"entity": ID + "trial/synth-0"}),
    ("mappings of a drug", "mappings", {"entity": ID + "drug/lenalidomide"}),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timings(store: object, runs: int) -> dict[str, dict[str, float]]:
    from mmkg.query import template_solutions
    from mmkg.templates import template

    cases: dict[str, dict[str, float]] = {}
    for name, tid, slots in CASES:
        query = template(tid).bind({k: ox.NamedNode(v) for k, v in slots.items()})
        try:
            rows = len(list(template_solutions(store, query)))  # type: ignore[arg-type]  # warm-up, and the answer size
        except Exception as exc:  # a remote timeout or refusal is a result to report, not the end of the run
            print(f"{name}: {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr, flush=True)
            cases[name] = {"p50_ms": float("nan"), "p99_ms": float("nan"), "rows": -1}
            continue
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for _row in template_solutions(store, query):  # type: ignore[arg-type]
                pass
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        cases[name] = {"p50_ms": statistics.median(times), "p99_ms": p99, "rows": rows}
    return cases


def on_virtuoso(store: ox.Store, runs: int, folder: Path) -> dict[str, object]:
    """Push the graph into a fresh private Virtuoso as `mmkg load` does, then time the same cases through it."""
    from mmkg import virtuoso
    from mmkg.build import Build
    from mmkg.remote import StoreConfig, open_remote
    from mmkg.remote_load import push
    from mmkg.validation import ValidationReport

    server = virtuoso.start(folder, memory_mb=4096, query_timeout_s=120)
    try:
        config = StoreConfig.parse(server.store_url, env=server.env(), timeout_s=300)
        t0 = time.perf_counter()
        # the synthetic graph is validated by tests/test_synth.py (at 10 k), not again at every size here
        push(Build(store, f"synthetic-{len(store)}", ValidationReport([])), config)
        loaded = time.perf_counter() - t0
        remote, _ = open_remote(config)
        cases = timings(remote, runs)
        return {"load_s": loaded, "rss_mb": server.rss_mb(), "cases": cases}
    finally:
        server.stop()


def measure(size: int, runs: int, with_virtuoso: bool) -> dict[str, object]:
    """One size, in this process: build the store, run every case `runs` times (and on Virtuoso if asked)."""
    from synth import Synth

    from mmkg.build import build
    from mmkg.inference import apply_rules

    base_rss = rss_mb()
    t0 = time.perf_counter()
    curated = build()  # the cached, validated build
    quads = list(Synth().quads(size))
    generated = time.perf_counter() - t0
    store = ox.Store()
    t0 = time.perf_counter()
    inferred_graph = ox.NamedNode("https://w3id.org/mmkg/graph/inferred")  # recomputed below, over the union
    store.bulk_extend(q for q in curated.store if q.graph_name != inferred_graph)
    store.bulk_extend(quads)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    apply_rules(store)
    inferred = time.perf_counter() - t0
    del quads
    out: dict[str, object] = {"size": size, "quads": len(store), "generate_s": generated, "load_s": loaded,
                              "inference_s": inferred, "rss_mb": rss_mb() - base_rss, "cases": timings(store, runs)}
    if with_virtuoso:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="mmkg-bench-virtuoso-") as folder:
            out["virtuoso"] = on_virtuoso(store, runs, Path(folder))
    return out


def report(results: list[dict[str, object]], runs: int) -> str:
    base = results[0]
    lines = ["# Scale benchmark: embedded store (pyoxigraph) and Virtuoso", "",
             "`.venv/bin/python bench/scale.py` (also run by `make bench`). Curated build + bench/synth.py synthetic "
             "evidence at each size, rules applied; each size in its own process. Latency in-process (no HTTP), "
             f"{runs} runs per query after one warm-up; figures are medians (p50) and p99. Ratio: p50 at this size / "
             f"p50 at the smallest size ({base['quads']:,} quads), measured in the same run. Machine: 2 cores, "
             "shared and noisy.", "",
             "| quads | generate (s) | load (s) | inference (s) | memory (MB, RSS growth) |",
             "|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['quads']:,} | {r['generate_s']:.1f} | {r['load_s']:.1f} | {r['inference_s']:.1f} | "
                     f"{r['rss_mb']:.0f} |")
    heads = " | ".join(f"{r['quads']:,}: p50 / p99 ms (rows, ×)" for r in results)
    lines += ["", f"| query (template family) | {heads} |", "|---|" + "---:|" * len(results)]
    base_cases = base["cases"]
    assert isinstance(base_cases, dict)
    for name, _tid, _slots in CASES:
        cells = []
        for r in results:
            c = r["cases"][name]  # type: ignore[index]
            ratio = c["p50_ms"] / base_cases[name]["p50_ms"]
            cells.append(f"{c['p50_ms']:.2f} / {c['p99_ms']:.2f} ({c['rows']}, {ratio:.1f}×)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += goals(results)
    remote = [r for r in results if "virtuoso" in r]
    if remote:
        lines += ["", "## Virtuoso (same graph, same queries, through mmkg's RemoteStore over HTTP)", "",
                  "Loaded with `mmkg load`'s code path: Graph Store Protocol into staging graphs, counted, then one "
                  "update request switching them in. Memory: the Virtuoso process's RSS after the queries (its "
                  "buffer pool is sized for 4 GB). Ratio ×: Virtuoso p50 / embedded p50 at the same size.", "",
                  "| quads | load (s) | Virtuoso RSS (MB) |", "|---:|---:|---:|"]
        for r in remote:
            v = r["virtuoso"]
            lines.append(f"| {r['quads']:,} | {v['load_s']:.1f} | {v['rss_mb']:.0f} |")
        heads = " | ".join(f"{r['quads']:,}: p50 / p99 ms (×)" for r in remote)
        lines += ["", f"| query (template family) | {heads} |", "|---|" + "---:|" * len(remote)]
        for name, _tid, _slots in CASES:
            cells = []
            for r in remote:
                c, e = r["virtuoso"]["cases"][name], r["cases"][name]
                cells.append(f"{c['p50_ms']:.2f} / {c['p99_ms']:.2f} ({c['p50_ms'] / e['p50_ms']:.1f}×)")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def goals(results: list[dict[str, object]]) -> list[str]:
    """The issue's goals, judged from this run: p50 under 10 ms at 1 M synthetic triples, and latency growing no
    faster than the answer (time ratio / row ratio between the smallest size and each larger one)."""
    at_1m = next((r for r in results if r["size"] == 1_000_000), None)
    out = ["", "### Against the goals", ""]
    if at_1m is None:
        return [*out, "(no 1 M run in this report)"]
    cases = at_1m["cases"]
    assert isinstance(cases, dict)
    fast = [n for n, _t, _s in CASES if cases[n]["p50_ms"] < 10]
    out.append(f"- p50 under 10 ms at 1 M synthetic triples ({at_1m['quads']:,} quads): {len(fast)} of {len(CASES)} "
               f"families ({', '.join(fast) or 'none'}).")
    base = results[0]["cases"]
    assert isinstance(base, dict)
    out += ["- Growth against the answer: (p50 ratio) / (row-count ratio), smallest size to each larger one; "
            "at most about 1 means the cost follows the answer, not the graph. Families with a constant answer "
            "are judged by the p50 ratio alone.", "",
            "| query | " + " | ".join(f"{r['quads']:,}" for r in results[1:]) + " |",
            "|---|" + "---:|" * (len(results) - 1)]
    for name, _t, _s in CASES:
        cells = []
        for r in results[1:]:
            c = r["cases"][name]  # type: ignore[index]
            b = base[name]
            time_ratio = c["p50_ms"] / b["p50_ms"]
            if b["rows"] > 0 and c["rows"] != b["rows"]:
                cells.append(f"{time_ratio / (c['rows'] / b['rows']):.2f}")
            else:
                cells.append(f"{time_ratio:.2f} (p50 ×, answer constant)")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000,1000000,10000000", help="comma-separated synthetic triple counts")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--virtuoso-max", type=int, default=1_000_000,
                   help="also measure Virtuoso up to this size (0: never; needs virtuoso-opensource)")
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.runs, args.one <= args.virtuoso_max)))
        return 0
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        runs = args.runs if size <= 1_000_000 else max(3, args.runs // 4)  # seconds per query at 10 M
        proc = subprocess.run([sys.executable, __file__, "--one", str(size), "--runs", str(runs),
                               "--virtuoso-max", str(args.virtuoso_max)], stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"{size:>10,} synthetic: {results[-1]['quads']:,} quads, load {results[-1]['load_s']:.1f} s, "
              f"inference {results[-1]['inference_s']:.1f} s", flush=True)
    (ROOT / "bench" / "scale.json").write_text(json.dumps(results, indent=2))
    text = report(results, args.runs)
    (ROOT / "bench" / "RESULTS-scale.md").write_text(text)
    merge_into_results(text)
    print("wrote bench/RESULTS-scale.md, its section of bench/RESULTS.md, and bench/scale.json")
    return 0


BEGIN, END = "<!-- scale: written by bench/scale.py -->", "<!-- scale: end -->"


def merge_into_results(text: str) -> None:
    """Put the scale report in bench/RESULTS.md between markers, replacing the previous one (bench/run.py
    rewrites the rest of that file; this section survives it only if scale.py runs after, as `make bench` does)."""
    body = text.replace("# Scale benchmark", "## Scale benchmark", 1).replace("\n## ", "\n### ")
    put_section(BEGIN, END, body + "\n![latency vs triples, log-log](scale.png)")


def put_section(begin: str, end: str, body: str) -> None:
    """Replace the section of bench/RESULTS.md between the markers `begin` and `end`, or append it (the file is
    shared by the benchmarks, each owning its marked section)."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = f"{begin}\n{body}\n{end}"
    if begin in text and end in text[text.index(begin):]:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
