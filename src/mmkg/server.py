"""`mmkg serve`: build (or reuse the cached valid build), then serve it with uvicorn."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time

import uvicorn

from mmkg import access_log
from mmkg.app import create_app
from mmkg.build import build
from mmkg.reload import ReloadBusy, Reloader
from mmkg.remote import open_remote
from mmkg.settings import Settings
from mmkg.store import GraphHolder


def serve(settings: Settings) -> None:
    started = time.perf_counter()
    access_log.configure(settings.access_log)
    graphs = GraphHolder()
    if settings.store is not None:
        # What the server holds was validated before `mmkg load` switched it in; its manifest names the build.
        store, manifest = open_remote(settings.store)
        served = graphs.publish_remote(store, manifest, workers=settings.query_workers)
        origin = f"remote store {settings.store.query_url}, build {manifest.content_hash[:12]} of {manifest.loaded}"
    else:
        result = build()  # raises BuildInvalid: an invalid graph is never served
        served = graphs.publish(result, extras=settings.extra_graphs, store_path=settings.store_path,
                                workers=settings.query_workers, timeout_s=settings.query_timeout_s)
        origin = "cached build" if result.from_cache else "fresh build"
    print(
        f"mmkg: {served.triples} triples in {len(served.graphs)} named graphs ({origin}, "
        f"{time.perf_counter() - started:.1f} s); SPARQL at {settings.url}sparql",
        file=sys.stderr,
        flush=True,
    )
    print(settings.url, flush=True)
    app = create_app(settings, graphs)
    # SIGHUP reloads, as for most daemons; in a thread, since a build takes seconds and a handler must not block
    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=_reload_quietly, args=(app.state.reloader,),
                                                              daemon=True).start())
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                http="httptools", loop="uvloop")
    finally:
        app.state.parser.close()
        graphs.close()


def _reload_quietly(reloader: Reloader) -> None:
    with contextlib.suppress(ReloadBusy):  # one already running will pick up the same files
        reloader.reload()  # the outcome is logged (with the report) and shown at /ready and GET /admin/reload
