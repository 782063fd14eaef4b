#!/usr/bin/env python3
"""Where the worker's wasm bytes go: code size per crate, from its function names.

    python3 scripts/wasm-size.py [build/index_bg.wasm] [--top 25] [--functions CRATE]

--functions CRATE lists that crate's largest functions instead (CRATE `all` for every crate).

Function names come from the name section, or, for the built worker (whose names
scripts/build-worker.sh moves out of the wasm), from the symbols file beside it. Names are
Rust-mangled or demangled; the crate is the first path segment (generic impls like `<T as Trait>` count
toward the crate of the first segment that looks like one).
"""
import gzip
import pathlib
import re
import sys
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import wasmfile  # noqa: E402


def crate_of(name):
    match = re.match(r"_ZN(\d+)(\S+)", name)
    if match:
        segment = match.group(2)[: int(match.group(1))]
        if segment.startswith("_$LT$"):
            inner = re.search(r"\$LT\$([a-z_][a-z0-9_]*)", segment)
            return inner.group(1) if inner else "<generic>"
        return segment
    # Demangled names: `crate[hash]::path`, or `<Type as crate[hash]::Trait>::method`.
    name = re.sub(r"\[[0-9a-f]{16}\]", "", name).lstrip("<&* ")
    name = re.sub(r"^(mut|dyn|const) ", "", name)
    return re.split(r"::| as |[(<>]", name)[0][:40] or "<unnamed>"


def main():
    argv = sys.argv[1:]
    top = 25
    if "--top" in argv:
        at = argv.index("--top")
        top = int(argv[at + 1])
        del argv[at:at + 2]
    functions_of = None
    if "--functions" in argv:
        at = argv.index("--functions")
        functions_of = argv[at + 1]
        del argv[at:at + 2]
    args = argv
    path = args[0] if args else "build/index_bg.wasm"
    data = open(path, "rb").read()
    imports, bodies, names = wasmfile.read(data)
    symbols = pathlib.Path(path).with_suffix(".symbols")
    if not names and symbols.exists():
        names = wasmfile.load_symbols(symbols)
    if functions_of:
        rows = [(size, names.get(imports + i, "<unnamed>")) for i, size in enumerate(bodies)]
        rows = [r for r in rows if functions_of == "all" or crate_of(r[1]) == functions_of]
        for size, name in sorted(rows, reverse=True)[:top]:
            print(f"  {size:>8}  {name[:160]}")
        return
    per_crate = Counter()
    for i, size in enumerate(bodies):
        per_crate[crate_of(names.get(imports + i, "<unnamed>"))] += size
    total = sum(bodies)
    print(f"{path}: {len(data)} bytes, {len(gzip.compress(data, 9))} gzip -9; code {total} bytes in {len(bodies)} functions")
    for crate, size in per_crate.most_common(top):
        print(f"  {size:>8}  {100 * size / total:5.1f}%  {crate}")


if __name__ == "__main__":
    main()
