"""Reload: build the graph again from its files and switch it in, or keep serving the old one and say why.

The build (parse, infer, validate) runs in a child process: a parse error, an invalid graph, or the build dying
outright (out of memory, killed) cannot take the server down or leave it half-switched. Only a build that
conforms comes back, as a cached N-Quads file; the server then prepares it for serving (workers, on-disk store)
beside the graph it serves and switches in one step (`GraphHolder.publish`). Requests during a reload are
answered by the old graph until the switch and by the new one after it."""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from mmkg.build import Build, run_build
from mmkg.errors import MmkgError, ParseFailure
from mmkg.failpoints import crashpoint
from mmkg.paths import cache_dir, project_root
from mmkg.remote import open_remote
from mmkg.settings import Settings
from mmkg.store import GraphHolder, served_key
from mmkg.validation import ValidationReport

log = logging.getLogger("mmkg.reload")

Outcome = Literal["reloaded", "unchanged", "invalid", "parse-error", "crashed", "failed"]


@dataclass
class ReloadResult:
    outcome: Outcome
    message: str
    serving: str | None  # content hash served after the attempt
    previous: str | None  # content hash served before it
    seconds: float
    report: list[str] = field(default_factory=list)  # SHACL violations or the parse error, as `mmkg validate` prints
    finished_at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.outcome in ("reloaded", "unchanged")

    def as_dict(self, *, with_report: bool = True) -> dict[str, object]:
        data = asdict(self)
        data["ok"] = self.ok
        if not with_report:
            data.pop("report")
        return data


class ReloadBusy(MmkgError):
    """A reload is already running."""


# ---------------------------------------------------------------- the child: build and validate


def _build_child(conn: Connection) -> None:
    try:
        crashpoint("build-crash")
        result = run_build(use_cache=True)
        if not result.report.conforms:
            root = project_root()
            problems = [v.render(root) for v in result.report.violations if v.is_violation]
            conn.send(("invalid", f"the graph does not conform: {len(problems)} violation(s)", problems))
            return
        # run_build caches every valid build under its content hash; the parent loads that file
        conn.send(("ok", result.content_hash, [str(cache_dir() / f"{result.content_hash}.nq")]))
    except ParseFailure as exc:
        conn.send(("parse-error", str(exc), [str(exc)]))
    except MmkgError as exc:
        conn.send(("failed", str(exc), [str(exc)]))
    except Exception as exc:  # the report goes to the server's log; the reply names the error, never a traceback
        traceback.print_exc()
        conn.send(("crashed", f"the build raised {type(exc).__name__}: {exc}", []))


def _build_in_child(timeout_s: float) -> tuple[str, str, list[str]]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_build_child, args=(child,), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout_s):
            process.kill()
            return "crashed", f"the build did not finish within {timeout_s:g} s and was stopped", []
        status, message, detail = parent.recv()
        return status, message, detail
    except EOFError:
        process.join(timeout=5)
        return "crashed", f"the build process died (exit code {process.exitcode}) before it finished", []
    finally:
        parent.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


# ---------------------------------------------------------------- the server side


class Reloader:
    """Runs one reload at a time and remembers how the last one went (for /ready and the admin route)."""

    def __init__(self, settings: Settings, graphs: GraphHolder, *, build_timeout_s: float = 600.0) -> None:
        self.settings = settings
        self.graphs = graphs
        self.build_timeout_s = build_timeout_s
        self._lock = threading.Lock()
        self.last: ReloadResult | None = None

    @property
    def running(self) -> bool:
        return self._lock.locked()

    def reload(self) -> ReloadResult:
        if not self._lock.acquire(blocking=False):
            raise ReloadBusy("a reload is already running; wait for it to finish")
        try:
            result = self._reload()
        finally:
            self._lock.release()
        self.last = result
        level = logging.INFO if result.ok else logging.ERROR
        log.log(level, "reload %s", result.outcome, extra={"fields": result.as_dict()})
        return result

    def _reload(self) -> ReloadResult:
        started = time.perf_counter()
        before = self.graphs.current
        previous = before.content_hash if before else None

        def result(outcome: Outcome, message: str, report: list[str] | None = None) -> ReloadResult:
            now = self.graphs.current
            return ReloadResult(outcome, message, now.content_hash if now else None, previous,
                                round(time.perf_counter() - started, 3), report or [])

        try:
            if self.settings.store is not None:
                # `mmkg load` validated and switched the remote build; a reload reads its manifest again
                store, manifest = open_remote(self.settings.store)
                if manifest.content_hash == previous:
                    return result("unchanged", "the remote store still holds the build being served")
                self.graphs.publish_remote(store, manifest, workers=self.settings.query_workers)
                return result("reloaded", f"now serving build {manifest.content_hash} of {manifest.loaded}")
            status, message, detail = _build_in_child(self.build_timeout_s)
            if status != "ok":
                kept = f"; still serving {previous}" if previous else ""
                return result(status, message + kept, detail)  # type: ignore[arg-type]
            content_hash, data = message, Path(detail[0])
            # compared before the build is loaded: an unchanged build costs no load
            if before is not None and served_key(content_hash, self.settings.extra_graphs) == previous:
                return result("unchanged", "the files give the build already being served")
            build = _load_valid_build(content_hash, data)
            served = self.graphs.publish(build, extras=self.settings.extra_graphs,
                                         store_path=self.settings.store_path, workers=self.settings.query_workers,
                                         timeout_s=self.settings.query_timeout_s)
            return result("reloaded", f"now serving build {served.content_hash}")
        except ParseFailure as exc:  # an --extra-graph file that no longer parses
            return result("parse-error", f"{exc}; still serving {previous}", [str(exc)])
        except MmkgError as exc:
            return result("failed", f"{exc}; still serving {previous}", [str(exc)])
        except Exception as exc:  # a failure while switching: the old graph was never let go
            log.exception("reload failed while switching the new build in")
            return result("failed", f"switching the new build in failed ({type(exc).__name__}: {exc}); "
                                    f"still serving {previous}")


def _load_valid_build(content_hash: str, data: Path) -> Build:
    store = ox.Store()
    store.load(path=data, format=ox.RdfFormat.N_QUADS)
    return Build(store, content_hash, ValidationReport([]), from_cache=True)

