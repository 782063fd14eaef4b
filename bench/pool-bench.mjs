// Pool benchmark (figures, no assertions), through local workerd against simulated servers:
// - a class-start burst of 200 joins over 20 new meetings on a pool of 3: creates (one per
//   meeting), the spread over servers, p50/p99;
// - hot joins (a running meeting) on a pool of 3 beside a pool of one, same run: the pool must
//   not move them (a hot join makes no pool call);
// - poll cost for 3 and 100 servers: getMeetings requests (subrequests), invocations, wall time.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

import { ROOT, startPool, startSimulator, startWorker } from "../tests/support/harness.mjs";
import { joinClaims, sign } from "../tests/support/jwt.mjs";
import { percentile, writePaths, wrk } from "./support.mjs";

const JWT_SECRET = randomBytes(32).toString("hex");
const CALLBACK_SECRET = randomBytes(32).toString("hex");
const base = { JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", JWT_MAX_AGE_SECONDS: "3600", CALLBACK_SECRET };
const token = (meeting, i) => sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: `User ${i}`, lifetime: 3600 }), JWT_SECRET);
const adminToken = () => sign({ iss: "lms", aud: "edge", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, sub: "bench", scope: "admin" }, JWT_SECRET);
const rate = (origin, paths) => wrk(origin, writePaths("pool", paths.length, (i) => paths[i])).rps;

async function classStart(worker, pool) {
  const run = randomBytes(3).toString("hex");
  const meetings = Array.from({ length: 20 }, (_, m) => `class-${run}-${m}`);
  const latencies = [];
  let failures = 0;
  const landed = {};
  await Promise.all(meetings.flatMap((meeting) => Array.from({ length: 10 }, async (_, i) => {
    const started = performance.now();
    const response = await fetch(`${worker.origin}/join?token=${token(meeting, i)}`, { redirect: "manual" });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    if (response.status !== 302) return failures++;
    const server = Object.entries(pool.sims).find(([, sim]) => response.headers.get("location").startsWith(sim.url))[0];
    (landed[meeting] ??= new Set()).add(server);
  })));
  latencies.sort((a, b) => a - b);
  let creates = 0;
  const spread = {};
  for (const [id, sim] of Object.entries(pool.sims)) {
    const mine = (await sim.requests("create")).filter((r) => r.params.some(([k, v]) => k === "meetingID" && v.startsWith(`class-${run}-`)));
    creates += mine.length;
    spread[id] = mine.length;
  }
  const split = Object.values(landed).filter((servers) => servers.size > 1).length;
  return { joins: 200, meetings: 20, creates, spread, meetings_split_over_servers: split, failures, p50_ms: Math.round(percentile(latencies, 50)), p99_ms: Math.round(percentile(latencies, 99)) };
}

/** Polls every server now (admin API) and waits until each has a poll from this pass. */
async function pollCost(worker, count, requests) {
  const before = await requests();
  const started = Date.now();
  const since = new Date(started - 1000).toISOString().slice(0, 19);
  await fetch(`${worker.origin}/api/v1/pool/poll`, { method: "POST", headers: { authorization: `Bearer ${adminToken()}` } });
  for (;;) {
    const { servers } = await (await fetch(`${worker.origin}/api/v1/servers`, { headers: { authorization: `Bearer ${adminToken()}` } })).json();
    if (servers.length === count && servers.every((s) => s.last_poll && s.last_poll >= since)) break;
    if (Date.now() - started > 60_000) throw new Error("the poll did not finish in a minute");
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const wall = Date.now() - started;
  const rounds = worker.logs().filter((l) => l.route === "pool_round" && l.servers > 0);
  const last = rounds.slice(-Math.ceil(count / 40));
  return {
    servers: count, getMeetings: (await requests()) - before, wall_ms: wall,
    invocations: last.length, servers_per_invocation: last.map((r) => r.servers), ms_per_invocation: last.map((r) => r.ms),
  };
}

/** One bbb-sim process serving `count` servers (same secret), for a large pool. */
async function manyServers(count, secret) {
  const bin = process.env.BBB_SIM_BIN ?? join(ROOT, "target/release/bbb-sim");
  const child = spawn(bin, ["--port", "0", "--secret", secret, "--servers", String(count)], { stdio: ["ignore", "pipe", "inherit"] });
  const urls = [];
  await new Promise((ok) => child.stdout.on("data", (chunk) => {
    for (const line of chunk.toString().split("\n")) {
      const match = line.match(/listening on (http:\/\/[^ ]+)/);
      if (match) urls.push(match[1]);
    }
    if (urls.length === count) ok();
  }));
  return { urls, stop: () => child.kill() };
}

const three = await startPool([{ id: "a" }, { id: "b" }, { id: "c" }]);
const pooled = await startWorker({ ...base, ...three.settings });
const oneSecret = randomBytes(16).toString("hex");
const oneSim = await startSimulator({ secret: oneSecret });
const single = await startWorker({ ...base, BBB_URL: oneSim.url, BBB_SECRET: oneSecret });
const hundredSecret = randomBytes(16).toString("hex");
const hundred = await manyServers(100, hundredSecret);
const hundredSettings = { BBB_SERVERS: `'${JSON.stringify(hundred.urls.map((url, i) => ({ id: `s${i}`, url })))}'` };
hundred.urls.forEach((_, i) => (hundredSettings[`BBB_SECRET_S${i}`] = hundredSecret));
const large = await startWorker({ ...base, ...hundredSettings });

try {
  const burst = await classStart(pooled, three);
  const run = randomBytes(3).toString("hex");
  const hot = {};
  for (const [name, worker] of [["pool_of_3", pooled], ["pool_of_one", single], ["pool_of_3_again", pooled], ["pool_of_one_again", single]]) {
    const meeting = `hot-${run}-${name.replace(/_again$/, "")}`;
    await fetch(`${worker.origin}/join?token=${token(meeting, 0)}`, { redirect: "manual" });
    hot[name] = rate(worker.origin, Array.from({ length: 20000 }, (_, i) => `/join?token=${token(meeting, i + 1)}`));
  }
  const countThree = async () => (await Promise.all(Object.values(three.sims).map((s) => s.requests("getMeetings")))).flat().length;
  const pollThree = await pollCost(pooled, 3, countThree);
  const countHundred = async () => large.logs().filter((l) => l.route === "pool_poll").length;
  const pollHundred = await pollCost(large, 100, countHundred);
  console.log(`\nbbb-edge pool benchmark (local workerd via wrangler dev, simulated servers, 2 cores shared)`);
  console.log(JSON.stringify({ class_start_burst_pool_of_3: burst, hot_join_rps: hot, poll_3_servers: pollThree, poll_100_servers_batch_40: pollHundred }, null, 2));
} finally {
  await Promise.all([pooled.stop(), single.stop(), large.stop(), three.stop(), oneSim.stop()]);
  hundred.stop();
}
