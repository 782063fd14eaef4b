#!/usr/bin/env bash
# Benchmarks (figures, no assertions): the hot join against a workers-rs DO-hop floor (interleaved
# rounds, medians) and a class-start burst against the same floor; wasm size, join throughput through local workerd, the
# pool (a class-start burst over 3 servers, hot joins beside a pool of one, poll cost for 3 and
# 100 servers), and the CPU cost of one asymmetric JWT verification, pure Rust in wasm vs WebCrypto.
#   BENCH_SECONDS (10), BENCH_CONNECTIONS (16) tune the load.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
source scripts/env.sh
cargo build -q --release -p bbb-sim
bash scripts/build-worker.sh
# The workers-rs DO-hop floor, built with the same toolchain and release profile.
floor_log="$(mktemp)"
(cd bench/floor-rs && worker-build --release >"$floor_log" 2>&1) || { cat "$floor_log"; exit 1; }
rm -f "$floor_log"
BBB_SIM_BIN="$PWD/target/release/bbb-sim" node bench/floor-bench.mjs
BBB_SIM_BIN="$PWD/target/release/bbb-sim" node bench/join-bench.mjs
BBB_SIM_BIN="$PWD/target/release/bbb-sim" node bench/pool-bench.mjs

echo
echo "JWT verification per algorithm: pure Rust in wasm (V8 under Node) vs WebCrypto (native)"
node bench/crypto/fixtures.mjs
(cd bench/crypto && cargo test --release --target wasm32-unknown-unknown -- --nocapture 2>&1 | grep "pure-Rust")
node bench/crypto/webcrypto.mjs
