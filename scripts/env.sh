# Sourced by the project's scripts: where the pinned tools live and how they run offline.
# worker-build would download wasm-bindgen and wasm-opt from GitHub; point it at local copies.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$_root/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$_root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$_root/node_modules/.bin/esbuild"
# wrangler dev otherwise stalls ~19 s fetching Request.cf data, and phones home.
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_SEND_METRICS=false
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
unset _root
