#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json (idempotent).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] installing npm dependencies (npm ci)..." >&2
  # Swagger UI's optional analytics post-install stays off: nothing is sent anywhere.
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error
fi
