#!/usr/bin/env bash
# Test-only tools from npm (tests/e2e/js: axe-core for the widget's accessibility scan),
# installed exactly as locked, and only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e/js"
stamp=$(sha256sum package-lock.json | cut -c1-16)
if [ -f node_modules/.installed ] && [ "$(cat node_modules/.installed)" = "$stamp" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: the browser tests need npm (for axe-core): apt-get install npm" >&2
  exit 1
fi
echo "• installing the browser tests' npm tools (axe-core)"
npm ci --no-audit --no-fund --loglevel=error
echo "$stamp" > node_modules/.installed
