"""Fault injection for the reload tests: a crash in the middle of a reload must leave the old graph serving.

A failpoint is active when its name is a line of the file named by $MMKG_FAILPOINTS. The file is read at each
check, so a test can switch faults on and off while one server runs. Without the variable nothing is read."""

from __future__ import annotations

import os
from pathlib import Path


class InjectedFault(RuntimeError):
    """Raised at an active failpoint."""


def active(name: str) -> bool:
    path = os.environ.get("MMKG_FAILPOINTS")
    if not path:
        return False
    try:
        return name in Path(path).read_text().split()
    except OSError:
        return False


def failpoint(name: str) -> None:
    if active(name):
        raise InjectedFault(f"injected fault at {name}")


def crashpoint(name: str) -> None:
    """Die on the spot, as a process killed by the kernel would: no exception, no cleanup."""
    if active(name):
        os._exit(70)
