#!/usr/bin/env bash
# Benchmarks (figures, no assertions): wasm size and join throughput through local workerd.
#   BENCH_SECONDS (10), BENCH_CONNECTIONS (16) tune the load.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
source scripts/env.sh
cargo build -q --release -p bbb-sim
bash scripts/build-worker.sh
BBB_SIM_BIN="$PWD/target/release/bbb-sim" node bench/join-bench.mjs
