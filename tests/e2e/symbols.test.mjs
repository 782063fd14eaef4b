// The deployed wasm carries no name section; its names wait in build/index_bg.symbols, and
// scripts/wasm-symbols.py turns a V8 trace of the stripped module back into them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { ROOT } from "../support/harness.mjs";

const symbols = (args, input) =>
  execFileSync("python3", [join(ROOT, "scripts/wasm-symbols.py"), ...args], { input, encoding: "utf8" });

/** The custom sections' names of a module. */
function customSections(bytes) {
  const names = [];
  const leb = (pos) => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return [value, pos];
    }
  };
  let pos = 8;
  while (pos < bytes.length) {
    const kind = bytes[pos];
    const [size, start] = leb(pos + 1);
    if (kind === 0) {
      const [length, at] = leb(start);
      names.push(bytes.subarray(at, at + length).toString());
    }
    pos = start + size;
  }
  return names;
}

test("the built worker's wasm has no name section, and its symbols name the worker's functions", () => {
  execFileSync("bash", [join(ROOT, "scripts/build-worker.sh")], { stdio: "ignore" });
  const wasm = readFileSync(join(ROOT, "build/index_bg.wasm"));
  assert.ok(!customSections(wasm).includes("name"), "build/index_bg.wasm still has its name section");
  const lines = readFileSync(join(ROOT, "build/index_bg.symbols"), "utf8").trim().split("\n");
  assert.ok(lines.length > 1000, `only ${lines.length} symbols`);
  assert.ok(lines.some((line) => /^\d+\tbbb_edge::/.test(line)));
  assert.ok(lines.some((line) => /^\d+\tbbb_core::/.test(line)));
});

test("a trace of a stripped module is symbolized with the names V8 would have shown", () => {
  const dir = mkdtempSync(join(tmpdir(), "bbb-edge-symbols-"));
  writeFileSync(
    join(dir, "t.wat"),
    `(module
       (import "env" "log" (func $imported (param i32)))
       (func $bbb_edge::first (export "first") (call $bbb_edge::second))
       (func $bbb_edge::second unreachable))`,
  );
  const named = join(dir, "t.wasm");
  execFileSync(join(ROOT, "node_modules/.bin/wasm-as"), [join(dir, "t.wat"), "-g", "-o", named]);
  const trace = (file) => {
    const module = new WebAssembly.Module(readFileSync(file));
    const instance = new WebAssembly.Instance(module, { env: { log() {} } });
    try {
      instance.exports.first();
    } catch (error) {
      return error.stack;
    }
    assert.fail("no trap");
  };
  const withNames = trace(named);
  assert.match(withNames, /at bbb_edge::second \(wasm:\/\/wasm\/\w+:wasm-function\[2\]/);

  symbols(["strip", named]);
  assert.ok(!customSections(readFileSync(named)).includes("name"));
  const stripped = trace(named);
  assert.doesNotMatch(stripped, /bbb_edge::/);
  const symbolized = symbols(["symbolize", join(dir, "t.symbols")], stripped);
  assert.match(symbolized, /wasm-function\[2\] \(bbb_edge::second\)/);
  assert.match(symbolized, /wasm-function\[1\] \(bbb_edge::first\)/);
});
