#!/usr/bin/env bash
# Builds the worker into build/ (wrangler's [build] command). Skips the build when build/ is
# newer than every source, so starting `wrangler dev` for each test suite costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The e2e harness builds once before it starts workers, and says so.
if [ "${BBB_EDGE_BUILT:-}" = 1 ]; then
  echo "build-worker: built by the test harness"
  exit 0
fi

if [ -f build/index.js ] && [ -f build/index_bg.wasm ] && [ -f build/index_bg.symbols ] && \
   [ -z "$(find src crates/core/src crates/core/Cargo.toml Cargo.toml Cargo.lock wrangler.toml -newer build/index_bg.wasm -print -quit)" ]; then
  echo "build-worker: build/ is up to date"
  exit 0
fi
# A build that was killed leaves its lock behind; no running worker-build means it is stale.
if [ -d build/.tmp ] && ! pgrep -x worker-build >/dev/null; then
  echo "build-worker: removing a stale build lock (build/.tmp)"
  rm -rf build/.tmp
fi
worker-build --release
# The name section is only for readable traces: it moves into build/index_bg.symbols
# (scripts/wasm-symbols.py symbolize turns a trace's wasm-function[N] back into names).
python3 scripts/wasm-symbols.py strip build/index_bg.wasm
