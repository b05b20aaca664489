"""Server settings, built when the server starts (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mmkg.external import DEFAULT_TIMEOUT_S, ExternalEndpoint
from mmkg.remote import StoreConfig
from mmkg.store import ExtraGraph


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout_s: float = 10.0
    max_result_rows: int = 10_000
    query_workers: int = 3
    store_path: Path | None = None
    store: StoreConfig | None = None  # a remote SPARQL server (--store); None: the embedded store
    extra_graphs: list[ExtraGraph] = field(default_factory=list)
    # SPARQL endpoints a query may reach with SERVICE; empty: federated queries are refused (no server-side
    # requests to addresses a client chooses)
    federation_allow: tuple[str, ...] = ()
    # SPARQL endpoints /api/entities/…/external may ask about the IRIs an entity is mapped to (operator's choice)
    external_endpoints: tuple[ExternalEndpoint, ...] = ()
    external_timeout_s: float = DEFAULT_TIMEOUT_S
    # Bearer token for /admin/* (reload); None: admin routes are disabled. Never printed (repr=False), never logged.
    admin_token: str | None = field(default=None, repr=False)
    access_log: bool = True  # one JSON line per request on stderr
    max_body_bytes: int = 1_000_000  # larger request bodies get 413 before they are read
    max_url_bytes: int = 32_768  # longer request targets get 414 (uvicorn itself refuses ~64 KiB with a bare 400)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"
