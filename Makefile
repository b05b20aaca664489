# mmkg — every target sets up what it needs; `make serve` and `make test` work on a fresh clone.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# The venv is rebuilt when the pinned constraints or the project metadata change.
$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# The SPARQL editor component (CodeMirror, from the npm registry, integrity-checked); served from the package.
VENDOR := src/mmkg/static/vendor/codemirror/lib/codemirror.js
$(VENDOR): scripts/fetch_frontend.py
	python3 scripts/fetch_frontend.py

setup: $(VENV)/.installed $(VENDOR)  ## create .venv with pinned dependencies and fetch the editor component

serve: setup  ## build + validate the graph, then serve it on the embedded store (prints the URL)
	$(VENV)/bin/mmkg serve --host $(HOST) --port $(PORT)

test: setup  ## install system test dependencies, then run lint, type checks and the test suite
	bash scripts/install-system-deps.sh
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/pytest

validate: setup  ## validate ontology + curated graph (SHACL, quotes, build)
	$(VENV)/bin/mmkg validate

bench: setup  ## run the benchmarks (about an hour): bench/RESULTS-ask.md, bench/RESULTS.md, bench/RESULTS-scale.md
	bash scripts/install-bench-deps.sh
	$(PY) bench/ask_latency.py
	$(PY) bench/run.py
	$(PY) bench/scale.py
	.venv-bench/bin/python bench/plot_scale.py

bench-load: setup  ## load test (about 2 min): SPARQL, REST and ask at once on a real server for 60 s; its section of bench/RESULTS.md
	bash scripts/install-bench-deps.sh
	$(PY) bench/load.py

.PHONY: help setup serve test validate bench bench-load
