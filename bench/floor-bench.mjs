// The hot join against its true floor, in one run: a workers-rs worker built like the product
// (bench/floor-rs: spend the token once in a Durable Object, storage get + put, fixed 302), the
// same floor writing one JSON log line per request, and the JS DO-hop floor (bench/baseline-do),
// interleaved with bbb-edge's hot join in ROUNDS rounds; then a class-start burst of 200 first
// joins to one meeting against the same burst to the floor. Figures only.
import { randomBytes } from "node:crypto";
import { join } from "node:path";

import { ROOT, startSimulator, startWorker } from "../tests/support/harness.mjs";
import { joinClaims, sign } from "../tests/support/jwt.mjs";
import { burst, median, writePaths, wrk } from "./support.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = process.env.BENCH_ROUND_SECONDS ?? "5";
const BURST_SIZE = 200;
const BBB_SECRET = randomBytes(16).toString("hex");
const JWT_SECRET = randomBytes(32).toString("hex");

const sim = await startSimulator({ secret: BBB_SECRET });
const workers = {
  hot_join: await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", JWT_MAX_AGE_SECONDS: "3600" }),
  floor_rs: await startWorker({}, { config: join(ROOT, "bench/floor-rs/wrangler.toml") }),
  floor_rs_logging: await startWorker({}, { config: join(ROOT, "bench/floor-rs/wrangler.logging.toml") }),
  floor_js: await startWorker({}, { config: join(ROOT, "bench/baseline-do/wrangler.toml") }),
};
const run = randomBytes(3).toString("hex");
const meeting = `floor-${run}`;
const token = (m, i) => sign(joinClaims({ issuer: "lms", audience: "edge", meeting: m, name: `User ${i}`, lifetime: 3600 }), JWT_SECRET);

try {
  await fetch(`${workers.hot_join.origin}/join?token=${token(meeting, 0)}`, { redirect: "manual" });
  const rounds = [];
  let next = 1;
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    for (const [name, worker] of Object.entries(workers)) {
      // Fresh tokens for every worker and round (the floors spend them too).
      const paths = writePaths(name, 30000, () => `/join?token=${token(meeting, next++)}`);
      const result = wrk(worker.origin, paths, { seconds: SECONDS });
      if (result.non2xx3xx) console.log(`${name} round ${r + 1}: ${result.non2xx3xx} answers were not redirects`);
      round[name] = result.rps;
    }
    rounds.push(round);
    console.log(`round ${r + 1}: ${Object.entries(round).map(([n, v]) => `${n} ${v.toFixed(0)}`).join("  ")}` +
      `   hot/floor_rs ${(round.hot_join / round.floor_rs).toFixed(2)}   hot/floor_rs_logging ${(round.hot_join / round.floor_rs_logging).toFixed(2)}`);
  }
  const med = (name) => median(rounds.map((r) => r[name]));
  const ratios = (floor) => rounds.map((r) => r.hot_join / r[floor]);

  // Interleaved bursts, a new meeting each time: the median p99 of each side.
  const bursts = { hot_join: [], floor_rs: [] };
  let creates = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const burstMeeting = `floor-burst-${run}-${r}`;
    bursts.hot_join.push(await burst(Array.from({ length: BURST_SIZE }, (_, i) => `${workers.hot_join.origin}/join?token=${token(burstMeeting, i)}`)));
    bursts.floor_rs.push(await burst(Array.from({ length: BURST_SIZE }, (_, i) => `${workers.floor_rs.origin}/join?token=${token(burstMeeting, 1000 + i)}`)));
    creates += (await sim.requests("create")).filter((c) => c.params.some(([k, v]) => k === "meetingID" && v === burstMeeting)).length;
  }
  const p99 = (name) => median(bursts[name].map((b) => b.p99_ms));
  const p50 = (name) => median(bursts[name].map((b) => b.p50_ms));
  const failures = bursts.hot_join.reduce((n, b) => n + b.failures, 0);
  console.log(`\nhot join vs floors (wrk -t2 -c16, ${SECONDS} s rounds, interleaved, local workerd, 2 cores shared), medians of ${ROUNDS}`);
  for (const name of Object.keys(workers)) console.log(`  ${name.padEnd(18)} ${med(name).toFixed(0).padStart(6)} req/s`);
  console.log(`  hot join / workers-rs DO-hop floor:           ${median(ratios("floor_rs")).toFixed(2)} (rounds ${ratios("floor_rs").map((x) => x.toFixed(2)).join(", ")})`);
  console.log(`  hot join / workers-rs DO-hop floor + log line: ${median(ratios("floor_rs_logging")).toFixed(2)} (rounds ${ratios("floor_rs_logging").map((x) => x.toFixed(2)).join(", ")})`);
  console.log(`  the log line's cost in the floor:             ${(1 - med("floor_rs_logging") / med("floor_rs")).toFixed(2)}`);
  console.log(`  JS DO-hop floor / workers-rs DO-hop floor:     ${(med("floor_js") / med("floor_rs")).toFixed(2)}`);
  console.log(`bursts of ${BURST_SIZE} first joins to a new meeting x${ROUNDS}: creates ${creates} (one per burst), median p50 ${p50("hot_join").toFixed(0)} ms, p99 ${p99("hot_join").toFixed(0)} ms, non-302 ${failures}`);
  console.log(`  same bursts to the workers-rs floor: median p50 ${p50("floor_rs").toFixed(0)} ms, p99 ${p99("floor_rs").toFixed(0)} ms; p99 ratio ${(p99("hot_join") / p99("floor_rs")).toFixed(2)} (bursts ${bursts.hot_join.map((b, i) => (b.p99_ms / bursts.floor_rs[i].p99_ms).toFixed(2)).join(", ")})`);
} finally {
  await Promise.all(Object.values(workers).map((w) => w.stop()));
  await sim.stop();
}
