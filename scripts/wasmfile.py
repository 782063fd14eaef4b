"""Reading a WebAssembly module: its sections, function bodies and function names.

Shared by scripts/wasm-size.py and scripts/wasm-symbols.py. Only what those need: section
framing, the import count (function indices start after the imported functions), body sizes and
the name section's function names.
"""

NAME_SECTION = b"name"


def leb(data, pos):
    """An unsigned LEB128 number at `pos`: (value, position after it)."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    """(id, payload, start, end) of each section; start..end spans the whole section."""
    if data[:4] != b"\0asm":
        raise ValueError("not a WebAssembly module")
    pos = 8
    while pos < len(data):
        start = pos
        kind = data[pos]
        size, pos = leb(data, pos + 1)
        yield kind, data[pos:pos + size], start, pos + size
        pos += size


def custom_name(payload):
    """The name of a custom section (id 0)."""
    length, pos = leb(payload, 0)
    return payload[pos:pos + length]


def imported_functions(payload):
    """How many functions the import section imports."""
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


def function_names(payload):
    """{function index: name} from a name section's payload (the function-names subsection)."""
    names = {}
    _, pos = leb(payload, 0)
    pos += len(NAME_SECTION)
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
    return names


def read(data):
    """(imported function count, body sizes in order, {index: name} or {})."""
    imports, bodies, names = 0, [], {}
    for kind, payload, _, _ in sections(data):
        if kind == 2:
            imports = imported_functions(payload)
        elif kind == 10:
            count, pos = leb(payload, 0)
            for _ in range(count):
                size, pos = leb(payload, pos)
                bodies.append(size)
                pos += size
        elif kind == 0 and custom_name(payload) == NAME_SECTION:
            names = function_names(payload)
    return imports, bodies, names


def load_symbols(path):
    """{function index: name} from a symbols file written by wasm-symbols.py."""
    names = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            index, _, name = line.rstrip("\n").partition("\t")
            if index.isdigit():
                names[int(index)] = name
    return names
