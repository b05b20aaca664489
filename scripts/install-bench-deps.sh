#!/usr/bin/env bash
# What the benchmarks need besides mmkg: wrk (Debian) for the concurrent load, and a separate venv with Oxigraph's
# server and rdflib-endpoint. Installs only what is missing.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then echo "wrk is missing: install the Debian package wrk" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk
fi
if [[ ! -x .venv-bench/bin/oxigraph || bench/requirements.txt -nt .venv-bench/.installed ]]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet -r bench/requirements.txt
  touch .venv-bench/.installed
fi
