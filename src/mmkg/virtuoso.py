"""A private Virtuoso server: its own data folder and ini, listening on 127.0.0.1 only, stopped when done.

Used by the tests (the second store backend) and the scale benchmark; also the quickest way to try
`mmkg load --store` / `mmkg serve --store` locally (`python -m mmkg.virtuoso FOLDER` prints the settings).
Needs Debian's `virtuoso-opensource` (binary `virtuoso-t`)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mmkg.errors import MmkgError

BINARY = "virtuoso-t"
VSP_ROOT = Path("/var/lib/virtuoso-opensource-7/vsp")
# The fresh database's administrator; the server listens on 127.0.0.1 only.
USER = "dba"
PASSWORD = "dba"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ini(folder: Path, sql_port: int, http_port: int, memory_mb: int, query_timeout_s: int) -> str:
    # NumberOfBuffers: 8 KiB pages, about 2/3 of the memory Virtuoso may use (its documented rule of thumb).
    # TransactionAfterImageLimit: the switch of `mmkg load` is one transaction; at the default (50 MB) Virtuoso
    # aborted it for a 1.7 M-quad graph (SR325), so it may grow to half the memory (under 2^31: a larger value
    # made every write fail with SR325, read as overflowed).
    buffers = max(10_000, memory_mb * 1024 // 8 * 2 // 3)
    return f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
CheckpointInterval = 60
TransactionAfterImageLimit = {min(1_500_000_000, max(50_000_000, memory_mb * 1024 * 1024 // 2))}
MaxQueryMem = {max(256, memory_mb // 4)}M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {VSP_ROOT}
ServerThreads = 10
MaxClientConnections = 10
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {query_timeout_s}
"""


@dataclass
class Virtuoso:
    folder: Path
    http_port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def store_url(self) -> str:
        return f"sparql+{self.base}/sparql"

    @property
    def gsp_url(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def update_url(self) -> str:
        return f"{self.base}/sparql-auth"

    def env(self) -> dict[str, str]:
        """The environment `mmkg load` / `mmkg serve` need to reach this server."""
        return {"MMKG_STORE": self.store_url, "MMKG_STORE_GSP": self.gsp_url, "MMKG_STORE_UPDATE": self.update_url,
                "MMKG_STORE_USER": USER, "MMKG_STORE_PASSWORD": PASSWORD, "MMKG_STORE_UNION": "server"}

    def rss_mb(self) -> float:
        """Resident memory of the server process, from /proc (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def available() -> bool:
    return shutil.which(BINARY) is not None and VSP_ROOT.is_dir()


def start(folder: Path, *, memory_mb: int = 1024, query_timeout_s: int = 30, wait_s: float = 60) -> Virtuoso:
    """Start Virtuoso in the foreground of a child process with a fresh database in `folder`."""
    binary = shutil.which(BINARY)
    if binary is None:
        raise MmkgError(f"{BINARY} not found: install Debian's virtuoso-opensource (scripts/install-system-deps.sh)")
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(_ini(folder.resolve(), sql_port, http_port, memory_mb, query_timeout_s))
    with (folder / "stdout.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = Virtuoso(folder, http_port, process)
    deadline = time.monotonic() + wait_s
    probe = f"{server.base}/sparql?query=ASK%7B%7D"
    while True:
        if process.poll() is not None:
            errors = folder / "virtuoso.log"
            tail = errors.read_text(errors="replace")[-1500:] if errors.exists() else ""
            raise MmkgError(f"virtuoso-t exited with {process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise MmkgError(f"virtuoso-t did not answer on {server.base} within {wait_s:g} s; "
                            f"see {folder}/virtuoso.log")
        time.sleep(0.3)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m mmkg.virtuoso FOLDER  (starts Virtuoso with its database in FOLDER; Ctrl-C stops)")
    running = start(Path(sys.argv[1]))
    for key, value in running.env().items():
        print(f"export {key}={value}")
    try:
        running.process.wait()
    except KeyboardInterrupt:
        running.stop()
