#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test. It needs nothing outside the
# repository (checked first).
#   1. host unit and integration tests of every crate (core, simulator, edge routes);
#   2. the core compiled to wasm32, under Node (wasm-bindgen-test);
#   3. end to end: the release worker in workerd (wrangler dev) against the BBB simulator,
#      plus headless Chromium following join links, and the host guide's token examples in
#      Node.js, Python and PHP checked by the token tool.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser --examples --lti
source scripts/env.sh

echo "== the repository is self-contained (no test reads outside it)"
python3 scripts/check-self-contained.py

echo "== format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== host tests"
cargo test --workspace

echo "== wasm tests (Node)"
cargo test -p bbb-core --target wasm32-unknown-unknown --test wasm

echo "== build: simulator, token tool and worker"
cargo build -p bbb-sim -p bbb-edge-token
bash scripts/build-worker.sh

echo "== end-to-end tests (workerd + simulator + chromium)"
# A test that hangs fails after 5 minutes and the others still run.
node --test --test-concurrency=1 --test-timeout=300000 tests/e2e/
