"""Bounded load test (issue 9): a real `mmkg serve` on 127.0.0.1 holds a mixed workload — SPARQL, REST and
/api/ask at the same time, one wrk process per kind — for 60 s. Errors are counted, not assumed: every non-2xx
response (in wrk's response callback, bench/load.lua), socket error and timeout. The memory of the server and its
query-worker processes (VmRSS from /proc) is sampled every second. Writes its section of bench/RESULTS.md.

    .venv/bin/python bench/load.py [--duration 60] [--connections 2] [--idle 10] [--baseline 5] [--max-slope 5]

In order: start the server and wait for /ready (or /health); send every request of the workload once (each must
answer 2xx); sample memory for --idle s with no load; measure each kind alone from one connection (--baseline s
each; the baseline the figures under load are divided by); then the mixed load. Exit 1 on any error or a memory
slope over --max-slope MB/min, 2 when wrk is missing (`make bench-load` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from run import QUERIES, free_port, full_query, machine, start, stop
from scale import put_section

from mmkg.ask.evaluate import load_cases

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
LUA = ROOT / "bench" / "load.lua"
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
KINDS = ("sparql", "rest", "ask")
WRK_TIMEOUT_S = 15  # the server stops a query at 10 s and answers 503; a request wrk gives up on is an error too
SPARQL_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    accept: str = ""
    content_type: str = ""
    body: str = ""

    def line(self) -> str:
        """One line of the request file read by bench/load.lua (every field percent-encoded)."""
        return "\t".join(quote(f, safe="") for f in (self.method, self.path, self.accept, self.content_type,
                                                     self.body))


def workload() -> dict[str, list[Req]]:
    """The requests of each kind, in the order wrk rotates through them."""
    sparql = [Req("GET", "/sparql?query=" + quote(full_query(text), safe=""), accept)
              for text, accept in QUERIES.values()]
    selects = [(text, accept) for text, accept in QUERIES.values() if accept == SPARQL_JSON]
    sparql += [Req("POST", "/sparql", accept, "application/sparql-query", full_query(text))
               for text, accept in selects[:3]]
    sparql.append(Req("POST", "/sparql", SPARQL_JSON, "application/x-www-form-urlencoded",
                      "query=" + quote(full_query(selects[3][0]), safe="")))
    rest = [Req("GET", path, "application/json") for path in (
        "/api/trials", "/api/trials?drug=daratumumab", "/api/trials/castor",
        "/api/results?regimen=dara-kd&population=len-refractory", "/api/results?trial=candor",
        "/api/results?drug_class=anti-cd38-mab&endpoint=median-pfs", "/api/gaps?trial=castor",
        "/api/gaps?population=len-refractory", "/api/regimens", "/api/regimens?drug_class=anti-cd38-mab",
        "/api/drugs", "/api/drug-classes", "/api/populations", "/api/conflicts", "/api/sources",
        "/api/templates/trial-facts?study=castor")]
    ask = []
    for i, case in enumerate(load_cases()):  # the 325 questions of tests/questions/questions.tsv
        if i % 2:  # as the question page sends it
            ask.append(Req("GET", "/api/ask?q=" + quote(case.question, safe=""), "application/json"))
        else:
            ask.append(Req("POST", "/api/ask", "application/json", "application/json",
                           json.dumps({"q": case.question})))
    return {"sparql": sparql, "rest": rest, "ask": ask}


# ---------------------------------------------------------------- wrk


@dataclass
class Latency:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int  # connect + read + write
    timeouts: int
    statuses: dict[str, int]
    failures: str

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors + self.timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_start(url: str, requests: Path, connections: int, seconds: float) -> subprocess.Popen[str]:
    """wrk with one thread per connection (so load.lua can name the request a failing response answers)."""
    return subprocess.Popen(["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds:g}s",
                             f"--timeout={WRK_TIMEOUT_S}s", "-s", str(LUA), url, "--", str(requests)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")


def wrk_result(proc: subprocess.Popen[str]) -> Latency:
    out, err = proc.communicate()
    found = re.search(r"^LOAD-JSON (.*)$", out, re.MULTILINE)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed (exit {proc.returncode}): {err.strip() or out.strip()}")
    d: dict[str, Any] = json.loads(found.group(1))

    def ms(key: str) -> float:
        return float("nan") if d[key] is None else float(d[key]) / 1000

    return Latency(requests=int(d["requests"]), seconds=d["duration_us"] / 1e6, p50_ms=ms("p50_us"),
                   p90_ms=ms("p90_us"), p99_ms=ms("p99_us"), max_ms=ms("max_us"),
                   non2xx=max(int(d["non2xx"]), int(d["status"])),
                   socket_errors=int(d["connect"]) + int(d["read"]) + int(d["write"]), timeouts=int(d["timeout"]),
                   statuses={str(k): int(v) for k, v in d["statuses"].items()}, failures=str(d["failures"]))


# ---------------------------------------------------------------- memory


def _children() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc/*/stat (the kernel here may lack /proc/<pid>/task/*/children)."""
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited meanwhile
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])  # after "pid (comm) state"
        tree.setdefault(ppid, []).append(int(stat.parent.name))
    return tree


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (the server, its query workers and whatever they start)."""
    tree, pids, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += tree.get(p, [])
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def role(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "exited"
    if "resource_tracker" in cmdline:
        return "multiprocessing resource tracker"
    return "worker process (multiprocessing spawn)" if "spawn_main" in cmdline else cmdline[:60]


@dataclass
class Memory:
    """VmRSS samples (seconds since the window began, MB of server + descendants, MB of the server alone)."""
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)  # every process seen in the window: pid → role
    last: list[int] = field(default_factory=list)  # the processes of the last sample

    def sample(self, pid: int, t: float) -> None:
        self.last = process_tree(pid)
        for p in self.last:
            self.roles.setdefault(p, "server" if p == pid else role(p))
        self.samples.append((t, sum(rss_mb(p) for p in self.last), rss_mb(pid)))

    def processes(self) -> str:
        """The processes of the last sample by role, and how many were seen in the whole window."""
        counts: dict[str, int] = {}
        for p in self.last:
            counts[self.roles[p]] = counts.get(self.roles[p], 0) + 1
        alive = ", ".join(f"{r} ×{n}" for r, n in counts.items())
        return f"{alive}; {len(self.roles)} distinct processes seen in the window"

    def slope(self) -> float:
        """MB/min of the total, least squares over the second half of the window."""
        half = [s for s in self.samples if s[0] >= self.samples[-1][0] / 2]
        if len(half) < 2:
            return float("nan")
        return statistics.linear_regression([s[0] for s in half], [s[1] for s in half]).slope * 60

    def figures(self) -> tuple[float, float, float, float]:
        """start, end, max (MB of the total) and the slope (MB/min)."""
        totals = [s[1] for s in self.samples]
        return totals[0], totals[-1], max(totals), self.slope()


def sample_until(pid: int, done: Callable[[], bool], memory: Memory, period_s: float = 1.0) -> None:
    """Sample memory every period_s until done() (checked after each sample) is true."""
    began = time.monotonic()
    while True:
        memory.sample(pid, time.monotonic() - began)
        if done():
            return
        time.sleep(max(0.0, period_s - (time.monotonic() - began) % period_s))


# ---------------------------------------------------------------- CPU: who else was busy


CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds the machine has spent busy, all cores summed (user, nice, system, irq, softirq)."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / CLK_TCK


def process_cpu_s(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()  # fields 3… of proc(5): utime and stime are 14 and 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class Cpu:
    """CPU seconds spent in a window by the machine, by mmkg (server and workers), by wrk with this script, and
    by every other process (whatever else runs on the shared machine)."""
    wall_s: float
    machine_s: float
    mmkg_s: float
    ours_s: float

    def describe(self) -> str:
        capacity = self.wall_s * (os.cpu_count() or 1) / 100

        def pct(v: float) -> str:
            return f"{v / capacity:.0f} %"

        others = max(0.0, self.machine_s - self.mmkg_s - self.ours_s)
        return (f"machine {pct(self.machine_s)} busy — mmkg {pct(self.mmkg_s)}, wrk and this script "
                f"{pct(self.ours_s)}, other processes {pct(others)}")


def cpu_meter(server_pid: int) -> Callable[[], Cpu]:
    """Start measuring; the returned function ends the window and gives its Cpu (call it after the wrk processes
    of the window have been waited for, so that their CPU time is counted)."""

    def own() -> float:
        children, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        return children.ru_utime + children.ru_stime + me.ru_utime + me.ru_stime

    began, busy, ours = time.monotonic(), machine_busy_s(), own()
    mmkg = {p: process_cpu_s(p) for p in process_tree(server_pid)}

    def end() -> Cpu:
        spent = sum(process_cpu_s(p) - mmkg.get(p, 0.0) for p in process_tree(server_pid))
        return Cpu(time.monotonic() - began, machine_busy_s() - busy, spent, own() - ours)

    return end


# ---------------------------------------------------------------- the run


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 300) -> str:
    """The readiness path that answered 200: /ready when the server has it, else /health."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mmkg serve exited with {proc.returncode}; see {WORK / 'load-mmkg.log'}")
        for path in ("/ready", "/health"):
            try:
                status = httpx.get(base + path, timeout=5).status_code
            except httpx.TransportError:
                break
            if status == 200:
                return path
            if status != 404:  # the route exists but is not ready yet
                break
        time.sleep(0.3)
    raise RuntimeError(f"{base} was not ready after {timeout_s:g} s")


def check_once(base: str, requests: dict[str, list[Req]]) -> list[str]:
    """Send every request once (warms the server up); the ones that did not answer 2xx."""
    bad = []
    with httpx.Client(base_url=base, timeout=WRK_TIMEOUT_S) as client:
        for kind, reqs in requests.items():
            for r in reqs:
                headers = {k: v for k, v in (("Accept", r.accept), ("Content-Type", r.content_type)) if v}
                answer = client.request(r.method, r.path, headers=headers, content=r.body.encode() or None)
                if not answer.is_success:
                    bad.append(f"{kind}: {answer.status_code} {r.method} {r.path[:120]} → {answer.text[:160]}")
    return bad


@dataclass
class Run:
    duration_s: float
    connections: int
    idle_s: float
    baseline_s: float
    max_slope: float
    ready_path: str = ""
    sizes: dict[str, int] = field(default_factory=dict)
    health: Latency | None = None
    single: dict[str, Latency] = field(default_factory=dict)
    loaded: dict[str, Latency] = field(default_factory=dict)
    idle: Memory = field(default_factory=Memory)
    load: Memory = field(default_factory=Memory)
    cpu_single: Cpu | None = None
    cpu_load: Cpu | None = None

    @property
    def errors(self) -> int:
        return sum(f.errors for f in [*self.single.values(), *self.loaded.values()]) + (
            self.health.errors if self.health else 0)

    @property
    def memory_stable(self) -> bool:
        return self.load.slope() <= self.max_slope


def measure(run: Run, base: str, server: subprocess.Popen[bytes]) -> None:
    requests = workload()
    run.sizes = {k: len(v) for k, v in requests.items()}
    files = {}
    for kind, reqs in [*requests.items(), ("health", [Req("GET", "/health", "application/json")])]:
        files[kind] = WORK / f"load-{kind}.tsv"
        files[kind].write_text("".join(r.line() + "\n" for r in reqs), encoding="utf-8")

    bad = check_once(base, requests)
    for line in bad:
        print("  not 2xx before the load:", line, flush=True)
    if bad:
        raise RuntimeError(f"{len(bad)} request(s) of the workload failed when sent once; fix them first")

    print(f"idle {run.idle_s:g} s (memory only)", flush=True)
    began = time.monotonic()
    sample_until(server.pid, lambda: time.monotonic() - began >= run.idle_s, run.idle)

    cpu = cpu_meter(server.pid)
    for kind in ("health", *KINDS):
        lat = wrk_result(wrk_start(base, files[kind], 1, run.baseline_s))
        if kind == "health":
            run.health = lat
        else:
            run.single[kind] = lat
        print(f"  single client {kind:7} {lat.requests:6} requests, p50 {lat.p50_ms:.2f} ms, "
              f"p99 {lat.p99_ms:.2f} ms, errors {lat.errors}", flush=True)
    run.cpu_single = cpu()

    print(f"mixed load: {len(KINDS)} wrk at once, {run.connections} connections each, {run.duration_s:g} s",
          flush=True)
    cpu = cpu_meter(server.pid)
    procs = {kind: wrk_start(base, files[kind], run.connections, run.duration_s) for kind in KINDS}
    sample_until(server.pid, lambda: all(p.poll() is not None for p in procs.values()), run.load)
    failed = []
    for kind, proc in procs.items():  # every wrk is waited for, even when one of them failed
        try:
            run.loaded[kind] = wrk_result(proc)
        except RuntimeError as exc:
            failed.append(f"{kind}: {exc}")
    run.cpu_load = cpu()
    if failed:
        raise RuntimeError("; ".join(failed))


def fmt(value: float, digits: int = 2) -> str:
    return "—" if value != value else f"{value:.{digits}f}"


def report(run: Run) -> str:
    total = sum(f.requests for f in run.loaded.values())
    load_start, load_end, load_max, slope = run.load.figures()
    idle_start, idle_end, idle_max, idle_slope = run.idle.figures()
    health = run.health
    lines = [
        "## Load test: mixed workload on one server",
        "",
        f"Generated by `make bench-load` (bench/load.py) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {machine()} (nproc {os.cpu_count()}), shared with other work: compare figures within this run, "
        "as ratios.",
        f"A real `mmkg serve` with its default settings on 127.0.0.1, ready by "
        f"`{run.ready_path}`. Load: three wrk processes at once for {run.duration_s:g} s, one per kind, "
        f"{run.connections} connections each (one per wrk thread), each rotating through its requests — "
        f"SPARQL ({run.sizes['sparql']}: the queries of the endpoint benchmark above by GET, four of them again by "
        f"POST `application/sparql-query` or form), REST ({run.sizes['rest']} `/api/…` lists, details and filtered "
        f"results/gaps), ask ({run.sizes['ask']}: the questions of tests/questions/questions.tsv, alternately "
        "`GET /api/ask?q=` and `POST {\"q\": …}`). Every request was sent once, and answered 2xx, before.",
        f"Errors: non-2xx responses (counted in wrk's response callback, bench/load.lua) + socket errors + timeouts "
        f"(> {WRK_TIMEOUT_S} s). Single client: the same requests from one connection, one kind at a time, "
        f"{run.baseline_s:g} s each, just before the load (`GET /health` the same way: p50 "
        f"{fmt(health.p50_ms if health else float('nan'))} ms). × = under load ÷ single client.",
        "",
        "| kind | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | single client p50 / p99 ms "
        "| p50 × | p99 × |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        f, s = run.loaded[kind], run.single[kind]
        lines.append(f"| {kind} | {f.requests} | {f.rps:.1f} | {fmt(f.p50_ms)} | {fmt(f.p90_ms)} | {fmt(f.p99_ms)} "
                     f"| {fmt(f.max_ms)} | {f.errors} | {fmt(s.p50_ms)} / {fmt(s.p99_ms)} "
                     f"| {f.p50_ms / s.p50_ms:.2f} | {f.p99_ms / s.p99_ms:.2f} |")
    cpu_single, cpu_load = (c.describe() if c else "—" for c in (run.cpu_single, run.cpu_load))
    lines += [
        "",
        f"CPU, as a share of the {os.cpu_count()} cores' time (from /proc): single-client runs: {cpu_single}; "
        f"under load: {cpu_load}.",
        "",
        "Memory: VmRSS of the server and its child processes (the processes below), summed, sampled every second; "
        "slope by least squares over the second half of the window. Stable means a slope of at most "
        f"{run.max_slope:g} MB/min under load (at that rate the {idle_end:.0f} MB idle would double in "
        f"{idle_end / run.max_slope:.0f} min).",
        "",
        "| window | samples | start MB | end MB | max MB | slope MB/min | server alone, end MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| idle, before the load ({run.idle_s:g} s) | {len(run.idle.samples)} | {idle_start:.1f} | {idle_end:.1f} "
        f"| {idle_max:.1f} | {idle_slope:+.1f} | {run.idle.samples[-1][2]:.1f} |",
        f"| under load ({run.duration_s:g} s) | {len(run.load.samples)} | {load_start:.1f} | {load_end:.1f} "
        f"| {load_max:.1f} | {slope:+.1f} | {run.load.samples[-1][2]:.1f} |",
        "",
        f"Processes at the end of the idle window: {run.idle.processes()}. At the end of the load: "
        f"{run.load.processes()} (a worker replaced after a timeout or a crash would add one).",
        "",
    ]
    errors_ok = run.errors == 0
    verdict = "met" if errors_ok and run.memory_stable else "NOT met"
    lines.append(
        f"**Verdict: {verdict}** — {run.errors} errors in {total} requests under load (plus the single-client "
        f"runs); memory slope {slope:+.1f} MB/min over the second half of the load "
        f"(stable means ≤ {run.max_slope:g} MB/min), {load_end - idle_end:+.1f} MB against the end of the idle window.")
    return "\n".join(lines)


def print_failures(run: Run) -> None:
    single = [(f"single client {kind}", f) for kind, f in run.single.items()]
    health = [("single client health", run.health)] if run.health else []
    for name, f in [*health, *single, *((f"under load {k}", f) for k, f in run.loaded.items())]:
        if f.errors:
            print(f"{name}: {f.non2xx} non-2xx {f.statuses}, {f.socket_errors} socket errors, {f.timeouts} timeouts",
                  file=sys.stderr)
            if f.failures:
                print("  " + f.failures.strip().replace("\n", "\n  "), file=sys.stderr)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=60, help="seconds of mixed load (default 60)")
    p.add_argument("--connections", type=int, default=2, help="connections per kind (default 2)")
    p.add_argument("--idle", type=float, default=10, help="seconds of idle memory sampling first (default 10)")
    p.add_argument("--baseline", type=float, default=5, help="seconds of single-client load per kind (default 5)")
    p.add_argument("--max-slope", type=float, default=5,
                   help="memory slope (MB/min, second half of the load) still called stable (default 5: at that "
                        "rate the server, about 300 MB with its workers, would double in an hour)")
    args = p.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: run `make bench-load` (it installs wrk first)", file=sys.stderr)
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    run = Run(args.duration, args.connections, args.idle, args.baseline, args.max_slope)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([sys.executable, "-m", "mmkg.cli", "serve", "--port", str(port)], WORK / "load-mmkg.log")
    try:
        run.ready_path = wait_ready(base, server)
        print(f"mmkg serve on {base} (pid {server.pid}), ready by {run.ready_path}", flush=True)
        measure(run, base, server)
    except RuntimeError as exc:
        print(f"load test stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        stop(server)
    text = report(run)
    put_section(BEGIN, END, text)
    print(text)
    print_failures(run)
    print(f"wrote its section of {RESULTS.relative_to(ROOT)}")
    return 0 if run.errors == 0 and run.memory_stable else 1


if __name__ == "__main__":
    sys.exit(main())
