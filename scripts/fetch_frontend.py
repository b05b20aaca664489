"""Fetch the SPARQL editor component (CodeMirror 5 with its SPARQL mode) from the npm registry at setup time
and unpack the files the editor page serves into src/mmkg/static/vendor/ (not committed). The tarball's sha512
is checked against the registry's integrity record. Run by `make setup`; offline afterwards."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

PACKAGE, VERSION = "codemirror", "5.65.18"
FILES = ["lib/codemirror.js", "lib/codemirror.css", "mode/sparql/sparql.js", "LICENSE"]
TARGET = Path(__file__).resolve().parents[1] / "src" / "mmkg" / "static" / "vendor" / "codemirror"


def main() -> int:
    if all((TARGET / f).exists() for f in FILES):
        return 0
    with urllib.request.urlopen(f"https://registry.npmjs.org/{PACKAGE}/{VERSION}", timeout=60) as r:
        meta = json.load(r)
    url, integrity = meta["dist"]["tarball"], meta["dist"]["integrity"]
    with urllib.request.urlopen(url, timeout=120) as r:
        data = r.read()
    algorithm, expected = integrity.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        print(f"{PACKAGE}@{VERSION}: tarball {algorithm} {digest} does not match the registry's {expected}",
              file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name in FILES:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                print(f"{PACKAGE}@{VERSION}: no {name} in the tarball", file=sys.stderr)
                return 1
            (TARGET / name).parent.mkdir(parents=True, exist_ok=True)
            (TARGET / name).write_bytes(member.read())
    print(f"fetched {PACKAGE}@{VERSION} into {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
