#!/usr/bin/env python3
"""The worker's function names: kept beside the wasm, not in it.

    python3 scripts/wasm-symbols.py strip build/index_bg.wasm
    python3 scripts/wasm-symbols.py symbolize [build/index_bg.symbols] < trace.txt

`strip` moves the name section (about 64 KB of the gzipped wasm, there only for readable stack
traces) into `<wasm without .wasm>.symbols`, one `index<TAB>name` line per function, and rewrites
the wasm without it. Nothing else changes: function indices stay, so a trace of the deployed
worker (`wasm-function[1234]`) names the same functions. Running it on a stripped wasm keeps the
symbols file that is there.

`symbolize` reads a stack trace (a panic in `wrangler tail`, the dashboard or `wrangler dev`)
and writes it with each `wasm-function[N]` followed by its name. Keep each deployment's symbols
file (scripts/build-worker.sh writes it into build/ with the wasm; wrangler uploads only what
build/index.js imports, so it stays here).
"""
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import wasmfile  # noqa: E402

FRAME = re.compile(r"wasm-function\[(\d+)\]")


def symbols_path(wasm_path):
    return pathlib.Path(wasm_path).with_suffix(".symbols")


def strip(wasm_path):
    path = pathlib.Path(wasm_path)
    data = path.read_bytes()
    kept, names = [data[:8]], None
    for kind, payload, start, end in wasmfile.sections(data):
        if kind == 0 and wasmfile.custom_name(payload) == wasmfile.NAME_SECTION:
            names = wasmfile.function_names(payload)
        else:
            kept.append(data[start:end])
    if names is None:
        if not symbols_path(path).exists():
            sys.exit(f"wasm-symbols: {path} has no name section and no symbols file beside it")
        print(f"wasm-symbols: {path} has no name section; kept {symbols_path(path)}")
        return
    with open(symbols_path(path), "w", encoding="utf-8") as out:
        for index in sorted(names):
            out.write(f"{index}\t{names[index]}\n")
    stripped = b"".join(kept)
    path.write_bytes(stripped)
    print(f"wasm-symbols: {len(names)} names moved to {symbols_path(path)}; {path}: {len(data)} -> {len(stripped)} bytes")


def symbolize(symbols, text):
    def named(match):
        name = symbols.get(int(match.group(1)))
        return f"{match.group(0)} ({name})" if name else match.group(0)

    return FRAME.sub(named, text)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "strip":
        strip(args[1])
    elif args and args[0] == "symbolize" and len(args) <= 2:
        path = args[1] if len(args) == 2 else "build/index_bg.symbols"
        sys.stdout.write(symbolize(wasmfile.load_symbols(path), sys.stdin.read()))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
