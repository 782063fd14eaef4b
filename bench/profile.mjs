// Where a hot join's CPU goes: V8's sampling CPU profiler over workerd's inspector (through
// wrangler dev's DevTools port) while wrk sends hot joins (a running meeting, a new token each),
// every sample given to the innermost span of the join it falls in (rules below, matched on the
// wasm function names: the built wasm has none, V8 says `wasm-function[N]`, and the symbols file
// beside it names N). Prints the table and the top functions by self time.
//   node bench/profile.mjs   (PROFILE_SECONDS, default 8; PROFILE_OUT=file keeps the profile;
//   PROFILE_FROM=file [PROFILE_JOINS=n] prints the table of a kept one, PROFILE_SYMBOLS=file
//   names its functions when build/ has changed since)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";

import WebSocket from "ws";

import { ROOT, startSimulator, startWorker } from "../tests/support/harness.mjs";
import { joinClaims, sign } from "../tests/support/jwt.mjs";

const SECONDS = process.env.PROFILE_SECONDS ?? "8";
const BBB_SECRET = randomBytes(16).toString("hex");
const JWT_SECRET = randomBytes(16).toString("hex");

// Each sample counts for the innermost frame (walking from the leaf up) that matches a rule, so
// serde inside the claims parse is "claims" and sha256 inside the token check is "token".
const SPANS = [
  ["log line (console.log; dearer while DevTools listens)", /console::log|RequestLog::to_json/],
  ["DO reply read as a stream (worker::Response::text)", /Response::text|ByteStream|ReadableStreamDefaultReader/],
  ["DO storage get / put", /Storage::|DurableObjectStorage/],
  ["DO call, caller side (request, stub fetch, JSON)", /do_call::exchange|do_call::send|Stub::fetch|coordinator::client/],
  ["DO call, object side (JSON in, reply out)", /do_call::read|do_call::reply|do_call::answer|Request::json|grant_reply|GrantReply|JoinCall/],
  ["DO's own work (jti, instance)", /bbb_core::coordinator|bbb_edge::coordinator/],
  ["token verification (JWS, HMAC)", /token::jws|token::verify|Tokens|jwt_compact|bbb_core::mac/],
  ["claims into JoinClaims", /JoinClaims|token::claims|MeetingId::parse/],
  ["role and create spec", /prepare_verified|role::decide/],
  ["join URL: ticket, query, checksum", /signed_join|join_url|ticket::|bbb::query|bbb::request|Signer/],
  ["response headers and redirect", /respond::/],
  ["routing and request glue", /route::|routes::join|body::|query_token|worker::request|bbb_edge::fetch/],
  ["settings (Config)", /env_source|Config/],
];

/** Function index → name, from the symbols file scripts/wasm-symbols.py writes. */
function symbols(path) {
  const names = new Map();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const tab = line.indexOf("\t");
    if (tab > 0) names.set(Number(line.slice(0, tab)), line.slice(tab + 1));
  }
  return names;
}

function classify(frames) {
  for (const name of frames) {
    for (const [span, rule] of SPANS) if (rule.test(name)) return span;
  }
  const leaf = frames[0] ?? "";
  if (leaf === "(garbage collector)") return "garbage collection";
  if (leaf === "(idle)" || leaf === "(program)") return `runtime ${leaf}`;
  if (frames.some((f) => /js_sys::futures|wasm_bindgen/.test(f))) return "async executor and JS↔wasm glue";
  return "JS and workerd outside any span";
}

/** The span table and the top functions by self time, per join. */
function report(profile, joins) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const names = symbols(process.env.PROFILE_SYMBOLS ?? join(ROOT, "build/index_bg.symbols"));
  const name = (n) => {
    const index = /^wasm-function\[(\d+)\]$/.exec(n.callFrame.functionName);
    return (index && names.get(Number(index[1]))) || n.callFrame.functionName || `(anonymous ${n.callFrame.url.split("/").pop()})`;
  };
  const spans = new Map();
  const selfTime = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const frames = [];
    for (let at = id; at !== undefined; at = parent.get(at)) frames.push(name(byId.get(at)));
    const span = classify(frames);
    spans.set(span, (spans.get(span) ?? 0) + dt);
    const leaf = frames[0].replace(/::h[0-9a-f]{16}$/, "");
    selfTime.set(leaf, (selfTime.get(leaf) ?? 0) + dt);
    total += dt;
  });
  const busy = total - (spans.get("runtime (idle)") ?? 0);
  console.log(`${joins} joins; sampled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s, ${(busy / joins).toFixed(0)} µs busy per join`);
  console.log(`| ${"span".padEnd(54)} | share | µs/join |`);
  for (const [span, us] of [...spans].sort((a, b) => b[1] - a[1])) {
    if (span === "runtime (idle)") continue;
    console.log(`| ${span.padEnd(54)} | ${((100 * us) / busy).toFixed(1).padStart(4)}% | ${(us / joins).toFixed(0).padStart(7)} |`);
  }
  console.log("\ntop functions by self time (µs per join)");
  for (const [fn, us] of [...selfTime].sort((a, b) => b[1] - a[1]).filter(([fn]) => fn !== "(idle)").slice(0, 20)) {
    console.log(`${(us / joins).toFixed(0).padStart(6)}  ${fn.slice(0, 140)}`);
  }
}

function wrk(origin, pathsFile) {
  const out = execFileSync("wrk", ["-t", "2", "-c", "16", "-d", `${SECONDS}s`, "-s", join(ROOT, "bench/paths.lua"), origin], {
    env: { ...process.env, PATHS_FILE: pathsFile, THREADS: "2" }, encoding: "utf8",
  });
  return { rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]), requests: Number(out.match(/(\d+) requests in/)?.[1]) };
}

/** A DevTools protocol session on wrangler's inspector port. */
async function devtools(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((ok, fail) => { socket.once("open", ok); socket.once("error", fail); });
  let next = 1;
  const waiting = new Map();
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.id && waiting.has(message.id)) {
      waiting.get(message.id)(message);
      waiting.delete(message.id);
    }
  });
  const send = (method, params = {}) => new Promise((ok, fail) => {
    const id = next++;
    waiting.set(id, (m) => (m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result)));
    socket.send(JSON.stringify({ id, method, params }));
  });
  return { send, close: () => socket.close() };
}

if (process.env.PROFILE_FROM) {
  const saved = JSON.parse(readFileSync(process.env.PROFILE_FROM, "utf8"));
  report(saved.profile ?? saved, saved.joins ?? Number(process.env.PROFILE_JOINS));
  process.exit(0);
}

const sim = await startSimulator({ secret: BBB_SECRET });
const worker = await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", JWT_MAX_AGE_SECONDS: "3600" });
try {
  const meeting = `profile-${randomBytes(3).toString("hex")}`;
  const token = (i) => sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: `User ${i}`, lifetime: 3600 }), JWT_SECRET);
  await fetch(`${worker.origin}/join?token=${token(0)}`, { redirect: "manual" });
  const warm = join(tmpdir(), "bbb-edge-profile-warm.txt");
  const hot = join(tmpdir(), "bbb-edge-profile-hot.txt");
  writeFileSync(warm, Array.from({ length: 5000 }, (_, i) => `/join?token=${token(1 + i)}`).join("\n") + "\n");
  writeFileSync(hot, Array.from({ length: 40000 }, (_, i) => `/join?token=${token(10_000 + i)}`).join("\n") + "\n");
  // Warm the isolate first (JIT tiers, the coordinator in memory).
  execFileSync("wrk", ["-t", "1", "-c", "4", "-d", "2s", "-s", join(ROOT, "bench/paths.lua"), worker.origin], { env: { ...process.env, PATHS_FILE: warm, THREADS: "1" } });

  const tools = await devtools(worker.inspector);
  await tools.send("Profiler.enable");
  await tools.send("Profiler.setSamplingInterval", { interval: 100 });
  await tools.send("Profiler.start");
  const load = wrk(worker.origin, hot);
  const { profile } = await tools.send("Profiler.stop");
  tools.close();
  console.log(`hot joins under the profiler: ${load.rps} req/s, ${load.requests} joins in ${SECONDS} s`);
  report(profile, load.requests);
  if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify({ profile, joins: load.requests }));
} finally {
  await worker.stop();
  await sim.stop();
}
