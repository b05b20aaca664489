"""The README stays true: its two commands come first, CI calls the test command, its file map exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_two_commands_open_the_readme() -> None:
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make serve", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve: setup", makefile, re.M) and re.search(r"^test: setup", makefile, re.M)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci.splitlines()[-1]


def test_every_path_in_the_file_map_exists() -> None:
    table = README.split("## Files")[1].split("##")[0]
    paths = re.findall(r"^\| `([^`]+)`", table, re.M)
    assert len(paths) > 8
    for entry in paths:
        for path in re.split(r"`, `", entry):
            path = path.split(" ")[0]
            if "*" in path or "<" in path:
                assert list(ROOT.glob(path)), path
            else:
                assert (ROOT / path).exists(), f"README names {path}, which does not exist"
    package_row = next(line for line in table.splitlines() if line.startswith("| `src/mmkg/`"))
    modules = re.findall(r"`([a-z_]+\.py)`", package_row)
    package = {p.name for p in (ROOT / "src" / "mmkg").rglob("*.py")}
    for module in modules:
        assert module in package, f"README names module {module}, which does not exist"
