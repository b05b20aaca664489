"""Structured access logs: one JSON object per request on stderr, with the time the request took and, for
SPARQL, the time the engine took. Headers are never logged (they carry the admin token); a SPARQL query is
logged as its length and a digest, so repeated queries can be grouped without logging what users asked."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access = logging.getLogger("mmkg.access")


class JsonFormatter(logging.Formatter):
    """Every mmkg log record as one JSON line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(enabled: bool = True) -> None:
    """Send mmkg's loggers to stderr as JSON lines (access lines only when `enabled`)."""
    root = logging.getLogger("mmkg")
    if not any(getattr(h, "_mmkg", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._mmkg = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    access.disabled = not enabled


def _query_fields(scope: Scope) -> dict[str, object]:
    params = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    query = params.get("query")
    if not query:
        return {}
    text = query[0]
    return {"sparql_chars": len(text), "sparql_sha256": hashlib.sha256(text.encode()).hexdigest()[:16]}


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or access.disabled:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        sent = 0
        query_ms: float | None = None

        async def observing_send(message: Message) -> None:
            nonlocal status, sent, query_ms
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"x-query-time-ms":
                        query_ms = float(value)
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            client = scope.get("client")
            fields: dict[str, object] = {
                "event": "access",
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "bytes": sent,
                "client": client[0] if client else None,
            }
            if query_ms is not None:
                fields["query_ms"] = query_ms
            if scope["path"].startswith("/sparql"):  # the only route whose `query` is SPARQL
                fields.update(_query_fields(scope))
            access.info("%s %s %s", scope["method"], scope["path"], status, extra={"fields": fields})
