"""`mmkg serve` as a user starts it: a real server process on 127.0.0.1, a real HTTP client."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx


def test_serve_prints_url_and_answers_health(free_port: int) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "mmkg.cli", "serve", "--port", str(free_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url == f"http://127.0.0.1:{free_port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(url + "health", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up within 60 s"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["status"] == "ok"
        ready = httpx.get(url + "ready", timeout=5)
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "ready" and body["validated"] is True
        assert body["triples"] > 3000 and len(body["content_hash"]) == 64
        assert sum(body["graphs"].values()) == body["triples"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
