// Join benchmark: prints the gzipped wasm size; class-start bursts (N joins at once to a new
// meeting: creates per burst, redirect latency); join requests/second through local workerd for a
// new and for a running meeting beside a redirect-only worker served the same way (the ratio's
// floor); and BBB calls per join counted in the simulator's request log. Figures only.
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

import { ROOT, startSimulator, startWorker } from "../tests/support/harness.mjs";
import { hostKey, joinClaims, sign, signWithKey } from "../tests/support/jwt.mjs";
import { burst as fireBurst, CONNECTIONS, DURATION, percentile, THREADS, writePaths as writeCount, wrk } from "./support.mjs";

const BURSTS = Number(process.env.BENCH_BURSTS ?? 5);
const BURST_SIZE = Number(process.env.BENCH_BURST_SIZE ?? 200);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 40000);
const BBB_SECRET = randomBytes(16).toString("hex");
const JWT_SECRET = randomBytes(16).toString("hex");

function wasmSize() {
  const wasm = readFileSync(join(ROOT, "build/index_bg.wasm"));
  return { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };
}

const writePaths = (name, make) => writeCount(name, TOKENS, make);

/** BURST_SIZE joins at once to a new meeting, BURSTS times: creates per burst and latencies. */
async function bursts(origin, token, run) {
  const creates = [];
  const latencies = [];
  let failures = 0;
  for (let b = 0; b < BURSTS; b++) {
    const meeting = `burst-${run}-${b}`;
    const result = await fireBurst(Array.from({ length: BURST_SIZE }, (_, i) => `${origin}/join?token=${token(meeting, i)}`));
    latencies.push(...result.latencies);
    failures += result.failures;
    const log = await sim.requests("create");
    creates.push(log.filter((r) => r.params.some(([k, v]) => k === "meetingID" && v === meeting)).length);
  }
  latencies.sort((a, b) => a - b);
  return { creates_per_burst: creates, failures, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}

// The host app's keys for asymmetric tokens, served as a JWKS.
const hostKeys = ["EdDSA", "ES256", "RS256"].map((alg) => hostKey(alg));
const jwksServer = createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: hostKeys.map((k) => k.jwk) })));
await new Promise((ok) => jwksServer.listen(0, "127.0.0.1", ok));

const size = wasmSize();
const sim = await startSimulator({ secret: BBB_SECRET });
const settings = {
  BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", JWT_MAX_AGE_SECONDS: "3600",
  JWT_ALGORITHMS: "HS256,EdDSA,ES256,RS256", JWT_JWKS_URL: `http://127.0.0.1:${jwksServer.address().port}/jwks.json`,
};
const worker = await startWorker(settings);
const baseline = await startWorker({}, { config: join(ROOT, "bench/baseline/wrangler.toml") });
const baselineLogging = await startWorker({}, { config: join(ROOT, "bench/baseline-logging/wrangler.toml") });
const baselineDo = await startWorker({}, { config: join(ROOT, "bench/baseline-do/wrangler.toml") });
const token = (meeting, i) => sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: `User ${i}`, lifetime: 3600 }), JWT_SECRET);

try {
  const run = randomBytes(3).toString("hex");
  const newPaths = writePaths("new", (i) => `/join?token=${token(`bench-${run}-${i}`, i)}`);
  const existing = `bench-${run}-existing`;
  await fetch(`${worker.origin}/join?token=${token(existing, 0)}`, { redirect: "manual" });
  const existingPaths = writePaths("existing", (i) => `/join?token=${token(existing, i)}`);

  const forged = writePaths("forged", (i) => `/join?token=${sign(joinClaims({ issuer: "lms", audience: "edge", meeting: "x-forged", name: `F ${i}` }), "not-the-key")}`);

  const burst = await bursts(worker.origin, token, run);

  await fetch(`${baseline.origin}/`, { redirect: "manual" });
  const floor = wrk(baseline.origin, newPaths);
  const floorLogging = wrk(baselineLogging.origin, newPaths);
  const floorDo = wrk(baselineDo.origin, newPaths);
  const refused = wrk(worker.origin, forged);
  await sim.reset();
  const fresh = wrk(worker.origin, newPaths);
  const createsFresh = (await sim.requests("create")).length;
  await sim.reset();
  const running = wrk(worker.origin, existingPaths);
  const createsRunning = (await sim.requests()).length;
  // The same hot path with tokens the host signed with its own keys (WebCrypto in workerd).
  const asymmetric = {};
  for (const key of hostKeys) {
    const paths = writePaths(`existing-${key.alg}`, (i) =>
      `/join?token=${signWithKey(joinClaims({ issuer: "lms", audience: "edge", meeting: existing, name: `U ${i}`, lifetime: 3600 }), key)}`);
    // One token off the list first, while this process can still answer the JWKS fetch it
    // triggers: wrk runs synchronously and blocks the JWKS server in this process (a timed-out
    // fetch would be negative-cached and turn the whole run into refusals). It also catches a
    // set the worker refuses, which would measure refusals.
    const probe = await fetch(`${worker.origin}${readFileSync(paths, "utf8").split("\n")[0]}`, { redirect: "manual" });
    if (probe.status !== 302) console.log(`${key.alg} tokens are refused: ${probe.status} ${await probe.text()}`);
    asymmetric[key.alg] = wrk(worker.origin, paths);
  }

  const perJoin = (calls, result) => (result.requests ? calls / result.requests : NaN);
  const results = {
    wasm_bytes: size.raw,
    wasm_gzip_bytes: size.gzip,
    burst: { size: BURST_SIZE, ...burst },
    baseline_redirect: floor,
    baseline_redirect_with_log_line: { ...floorLogging, ratio_to_baseline: floorLogging.rps / floor.rps },
    baseline_redirect_with_do_hop: { ...floorDo, ratio_to_baseline: floorDo.rps / floor.rps },
    refused_token: { ...refused, ratio_to_baseline: refused.rps / floor.rps },
    join_new_meeting: { ...fresh, bbb_calls_per_join: perJoin(createsFresh, fresh), ratio_to_baseline: fresh.rps / floor.rps },
    join_existing_meeting: {
      ...running,
      bbb_calls_per_join: perJoin(createsRunning, running),
      ratio_to_baseline: running.rps / floor.rps,
      ratio_to_do_hop_floor: running.rps / floorDo.rps,
    },
    join_existing_meeting_asymmetric: Object.fromEntries(
      Object.entries(asymmetric).map(([alg, r]) => [alg, { ...r, ratio_to_hs256: r.rps / running.rps }]),
    ),
    settings: { seconds: Number(DURATION), connections: Number(CONNECTIONS), threads: Number(THREADS) },
  };
  const row = (label, r) =>
    `${label.padEnd(24)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50_ms.toFixed(2).padStart(7)} ms   p99 ${r.p99_ms.toFixed(2).padStart(7)} ms` +
    (r.ratio_to_baseline ? `   ratio ${r.ratio_to_baseline.toFixed(2)}` : "") +
    (r.bbb_calls_per_join !== undefined ? `   BBB calls/join ${r.bbb_calls_per_join.toFixed(2)}` : "") +
    (r.non2xx3xx ? `   NON-REDIRECTS ${r.non2xx3xx}` : "");
  console.log(`\nbbb-edge join benchmark (wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, local workerd via wrangler dev, 2 cores shared)`);
  console.log(`wasm: ${size.raw} bytes raw, ${size.gzip} bytes gzip -9`);
  console.log(
    `burst of ${BURST_SIZE} first joins x${BURSTS}: creates per burst ${burst.creates_per_burst.join(",")}` +
      `   p50 ${burst.p50_ms.toFixed(1)} ms   p99 ${burst.p99_ms.toFixed(1)} ms   non-302 ${burst.failures}`,
  );
  console.log(row("redirect-only baseline", floor));
  console.log(row("  same + 1 log line", results.baseline_redirect_with_log_line));
  console.log(row("  same + 1 DO hop (jti)", results.baseline_redirect_with_do_hop));
  console.log(row("refused token (no BBB)", results.refused_token).replace(/   NON-REDIRECTS \d+/, "   (401s, as intended)"));
  console.log(row("join, new meeting", results.join_new_meeting));
  console.log(row("join, running meeting", results.join_existing_meeting) + `   vs JS DO-hop floor without a log line ${results.join_existing_meeting.ratio_to_do_hop_floor.toFixed(2)} (see floor-bench)`);
  for (const [alg, r] of Object.entries(results.join_existing_meeting_asymmetric)) {
    console.log(row(`  same, ${alg} token`, { ...r, ratio_to_baseline: undefined }) + `   vs HS256 ${r.ratio_to_hs256.toFixed(2)}`);
  }
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/join.json"), JSON.stringify(results, null, 2));
} finally {
  worker.stop();
  baseline.stop();
  baselineLogging.stop();
  baselineDo.stop();
  jwksServer.close();
  sim.stop();
}
