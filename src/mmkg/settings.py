"""Server settings, built when the server starts (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout_s: float = 10.0
    max_result_rows: int = 10_000

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"
