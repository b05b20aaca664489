#!/usr/bin/env bash
# Debian packages the test suite uses. Installs only what is missing; needs root (CI runs as root).
set -euo pipefail
need=()
# Java runs HermiT (bundled with owlready2) for the OWL consistency test.
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# Virtuoso is the remote store backend the API tests run against as a second parametrisation.
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
# Chromium and its WebDriver drive the web front end's tests (tests/test_web_ui.py), headless.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing system packages: ${need[*]} (run as root or install them); tests needing them will be skipped" >&2
    exit 0
  fi
  apt-get update -qq
  # A system-wide Virtuoso the package may start does not matter: the tests start their own on free 127.0.0.1 ports.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
