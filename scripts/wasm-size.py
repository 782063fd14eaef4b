#!/usr/bin/env python3
"""Where the worker's wasm bytes go: code size per crate, from the name section.

    python3 scripts/wasm-size.py [build/index_bg.wasm] [--top 25] [--functions CRATE]

--functions CRATE lists that crate's largest functions instead (CRATE `all` for every crate).

worker-build keeps the name section (wasm-opt --debuginfo), so function names survive. Names are
Rust-mangled; the crate is the first path segment (generic impls like `<T as Trait>` count
toward the crate of the first segment that looks like one).
"""
import gzip
import re
import sys
from collections import Counter


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    pos = 8
    while pos < len(data):
        kind = data[pos]
        size, pos = leb(data, pos + 1)
        yield kind, data[pos:pos + size]
        pos += size


def imported_functions(payload):
    count, pos = leb(payload, 0)
    functions = 0
    for _ in range(count):
        for _ in range(2):  # module name, field name
            length, pos = leb(payload, pos)
            pos += length
        kind = payload[pos]
        pos += 1
        if kind == 0:
            functions += 1
            _, pos = leb(payload, pos)
        elif kind == 1:  # table: reftype + limits
            pos += 1
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 3:  # global: valtype + mutability
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(payload, pos)
    return functions


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
    imports, bodies, names = 0, [], {}
    for kind, payload in sections(data):
        if kind == 2:
            imports = imported_functions(payload)
        elif kind == 10:
            count, pos = leb(payload, 0)
            for _ in range(count):
                size, pos = leb(payload, pos)
                bodies.append(size)
                pos += size
        elif kind == 0:
            length, pos = leb(payload, 0)
            if payload[pos:pos + length] != b"name":
                continue
            pos += length
            while pos < len(payload):
                sub, pos = payload[pos], pos + 1
                size, pos = leb(payload, pos)
                end = pos + size
                if sub == 1:
                    count, p = leb(payload, pos)
                    for _ in range(count):
                        index, p = leb(payload, p)
                        length, p = leb(payload, p)
                        names[index] = payload[p:p + length].decode("utf-8", "replace")
                        p += length
                pos = end
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
