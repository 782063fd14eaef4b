#!/usr/bin/env bash
# Installs what building, running and testing bbb-edge needs, at pinned versions. Idempotent and
# quick when everything is there. Registries only (crates.io, npm, Debian); nothing from GitHub.
#   scripts/setup.sh            toolchain for building and running the worker
#   scripts/setup.sh --browser  also Debian's chromium, for the browser tests
#   scripts/setup.sh --bench    also wrk, for the benchmarks
#   scripts/setup.sh --examples also php-cli, to run the host guide's PHP example
#   scripts/setup.sh --lti      also the LTI 1.3 platform the e2e tests launch from (PyPI, .venv-lti)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

WORKER_BUILD_VERSION=0.8.7
want_browser=false
want_bench=false
want_examples=false
want_lti=false
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=true ;;
    --bench) want_bench=true ;;
    --examples) want_examples=true ;;
    --lti) want_lti=true ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

step() { printf 'setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$component"; then
    step "adding the $component component"
    rustup component add "$component"
  fi
done

if [ "$(worker-build --version 2>/dev/null || true)" != "$WORKER_BUILD_VERSION" ]; then
  step "installing worker-build $WORKER_BUILD_VERSION (about 9 minutes on 2 cores)"
  cargo install worker-build --version "=$WORKER_BUILD_VERSION" --locked
fi

# wasm-bindgen (and its test runner) must be exactly the version locked for the wasm-bindgen crate.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  step "installing wasm-bindgen-cli $bindgen_version (about 6 minutes on 2 cores)"
  # Not --locked: its lockfile pins a crate version the registry index does not offer.
  cargo install wasm-bindgen-cli --version "=$bindgen_version"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages (wrangler, binaryen, esbuild, playwright-core)"
  npm ci --no-audit --no-fund
fi

apt_packages=()
if $want_browser && ! command -v chromium >/dev/null; then apt_packages+=(chromium); fi
if $want_bench && ! command -v wrk >/dev/null; then apt_packages+=(wrk); fi
if $want_examples && ! command -v php >/dev/null; then apt_packages+=(php-cli); fi
if $want_lti && ! python3 -c "import venv, ensurepip" 2>/dev/null; then apt_packages+=(python3-venv); fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  step "installing ${apt_packages[*]} from Debian"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi
# The LTI platform (lti1p3platform and its dependencies, pinned) in a virtual environment.
lti_requirements=tests/support/lti-platform/requirements.txt
if $want_lti && { [ ! -f .venv-lti/installed ] || [ "$lti_requirements" -nt .venv-lti/installed ]; }; then
  step "installing the LTI 1.3 test platform from PyPI into .venv-lti"
  python3 -m venv .venv-lti
  .venv-lti/bin/pip install --quiet --disable-pip-version-check -r "$lti_requirements"
  touch .venv-lti/installed
fi
step "ready"
