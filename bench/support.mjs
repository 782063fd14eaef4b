// What the benchmarks share: wrk over a list of request paths (each token used once), and
// percentiles.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ROOT } from "../tests/support/harness.mjs";

export const DURATION = process.env.BENCH_SECONDS ?? "10";
export const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? "16";
export const THREADS = "2";

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Writes `count` request paths (`make(i)`) to a file for wrk; returns its path. */
export function writePaths(name, count, make) {
  const file = join(tmpdir(), `bbb-edge-bench-${name}-${randomBytes(3).toString("hex")}.txt`);
  writeFileSync(file, Array.from({ length: count }, (_, i) => make(i)).join("\n") + "\n");
  return file;
}

/** wrk against `origin`, walking the paths in `pathsFile` (bench/paths.lua): rate and latencies. */
export function wrk(origin, pathsFile, { seconds = DURATION, connections = CONNECTIONS } = {}) {
  const out = execFileSync("wrk", ["-t", THREADS, "-c", String(connections), "-d", `${seconds}s`, "--latency", "-s", join(ROOT, "bench/paths.lua"), origin], {
    env: { ...process.env, PATHS_FILE: pathsFile, THREADS },
    encoding: "utf8",
  });
  const number = (re) => Number(out.match(re)?.[1] ?? NaN);
  const ms = (re) => {
    const m = out.match(re);
    if (!m) return NaN;
    return m[2] === "us" ? Number(m[1]) / 1000 : m[2] === "s" ? Number(m[1]) * 1000 : Number(m[1]);
  };
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    non2xx3xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
    errors: out.match(/Socket errors: (.*)/)?.[1] ?? "none",
    p50_ms: ms(/50%\s+([\d.]+)(us|ms|s)/),
    p99_ms: ms(/99%\s+([\d.]+)(us|ms|s)/),
  };
}

/** `size` requests at once (fetch, no redirects followed): latencies sorted, and non-302s. */
export async function burst(urls) {
  const latencies = [];
  let failures = 0;
  await Promise.all(urls.map(async (url) => {
    const started = performance.now();
    const response = await fetch(url, { redirect: "manual" });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    if (response.status !== 302) failures++;
  }));
  latencies.sort((a, b) => a - b);
  return { latencies, failures, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}
