// Starts the real pieces for end-to-end tests: the BBB simulator (native binary) and the built
// worker in workerd through `wrangler dev`, each on a free loopback port, and tears them down.
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

// Every process launched and not yet exited. A suite whose setup failed half way may hold no
// handle on the ones that did start; they are stopped when the test file ends, so a failure
// can never leave the file (and the whole run) waiting on them.
const live = new Set();
if (process.env.NODE_TEST_CONTEXT) {
  // Under `node --test` only: the benchmarks use this harness too.
  const { after } = await import("node:test");
  after(() => Promise.all([...live].map((proc) => proc.stop())));
}
process.on("exit", () => {
  for (const proc of live) proc.kill();
});

/** Spawns `command` in its own process group; resolves once a stdout line matches `ready`. */
function launch(name, command, args, { env = {}, ready, timeoutMs = 120_000 }) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  let resolveReady;
  let rejectReady;
  const started = new Promise((ok, fail) => {
    resolveReady = ok;
    rejectReady = fail;
  });
  const timer = setTimeout(() => rejectReady(new Error(`${name} not ready after ${timeoutMs} ms:\n${lines.join("\n")}`)), timeoutMs);
  // A chunk may end inside a line: each stream keeps its unfinished line until the rest comes,
  // so no reader ever sees half a log line.
  const reader = () => {
    let pending = "";
    return (chunk) => {
      const parts = (pending + chunk.toString()).split("\n");
      pending = parts.pop();
      for (const line of parts) {
        if (!line) continue;
        lines.push(line);
        const match = line.match(ready);
        if (match) {
          clearTimeout(timer);
          resolveReady(match);
        }
      }
    };
  };
  child.stdout.on("data", reader());
  child.stderr.on("data", reader());
  child.on("exit", (code) => {
    clearTimeout(timer);
    rejectReady(new Error(`${name} exited with ${code}:\n${lines.join("\n")}`));
  });
  const exited = new Promise((ok) => child.on("exit", ok));
  const kill = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  const stop = () => {
    kill();
    return exited;
  };
  const handle = { stop, kill };
  live.add(handle);
  exited.then(() => live.delete(handle));
  return { started, lines, stop, child };
}

/** The BBB simulator, with its control API as methods. */
export async function startSimulator({ secret, algorithms, callbackRetryMs = "200,400,800,1600", port = 0 } = {}) {
  const bin = process.env.BBB_SIM_BIN ?? join(ROOT, "target/debug/bbb-sim");
  const args = ["--port", String(port), "--secret", secret, "--callback-retry-ms", callbackRetryMs];
  if (algorithms) args.push("--algorithms", algorithms);
  const proc = launch("bbb-sim", bin, args, { ready: /listening on (http:\/\/[^/]+)\//, timeoutMs: 10_000 });
  const [, origin] = await proc.started;
  const control = async (method, path, body) => {
    const response = await fetch(`${origin}/_sim/${path}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    origin,
    url: `${origin}/bigbluebutton/`,
    secret,
    reset: () => control("POST", "reset"),
    requests: (call) => control("GET", call ? `requests?call=${encodeURIComponent(call)}` : "requests"),
    fault: (fault) => control("POST", "faults", fault),
    clearFaults: () => control("DELETE", "faults"),
    meetings: () => control("GET", "meetings"),
    /** Ends a meeting behind the worker's back; `callbacks: 0` loses the meeting-ended callback. */
    endMeeting: (id, { callbacks = 1 } = {}) => control("POST", `meetings/${encodeURIComponent(id)}/end?callbacks=${callbacks}`),
    /** Records the meeting's latest instance; recording-ready is POSTed `callbacks` times. */
    record: (id, { state = "published", formats = "presentation", callbacks } = {}) =>
      control("POST", `meetings/${encodeURIComponent(id)}/recordings?state=${state}&formats=${formats}${callbacks === undefined ? "" : `&callbacks=${callbacks}`}`),
    recordings: () => control("GET", "recordings"),
    callbacks: () => control("GET", "callbacks"),
    restart: () => control("POST", "restart"),
    /** Puts `count` more people into the meeting, so a pool's load is real. */
    participants: (id, count) => control("POST", `meetings/${encodeURIComponent(id)}/participants?count=${count}`),
    port: Number(new URL(origin).port),
    stop: proc.stop,
  };
}

/**
 * An LTI 1.3 platform (tests/support/lti-platform: lti1p3platform from PyPI, set up by
 * scripts/setup.sh --lti) whose tool is bbb-edge at `tool`. It signs with a fresh RSA key, which
 * is returned too, so a test can also sign id_tokens the platform would never make. `entry` is
 * the platform's LTI_PLATFORMS entry.
 */
export async function startLtiPlatform({ tool, clientId = "bbb-edge-tool", deploymentId = "1" }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyFile = join(mkdtempSync(join(tmpdir(), "bbb-edge-lti-")), "platform.pem");
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  const python = join(ROOT, ".venv-lti/bin/python");
  const script = join(ROOT, "tests/support/lti-platform/platform.py");
  const args = [script, "--port", String(port), "--issuer", issuer, "--client-id", clientId, "--deployment-id", deploymentId, "--tool", tool, "--key", keyFile];
  const proc = launch("lti platform", python, args, { ready: /listening on/, timeoutMs: 20_000 });
  await proc.started;
  const { keys } = await (await fetch(`${issuer}/jwks`)).json();
  return {
    issuer,
    clientId,
    deploymentId,
    privateKey,
    kid: keys[0].kid,
    entry: { issuer, client_id: clientId, deployment_ids: [deploymentId], auth_url: `${issuer}/auth`, jwks_url: `${issuer}/jwks` },
    stop: proc.stop,
  };
}

/**
 * A pool of simulated BBB servers, one process each with its own secret and checksum
 * algorithms, each stoppable on its own. `servers`: `[{id, algorithm?, load_multiplier?, tags?}]`.
 * Returns the simulators by id, and the worker settings (`BBB_SERVERS` and a secret per server).
 */
export async function startPool(servers, { callbackRetryMs } = {}) {
  const sims = {};
  const secrets = {};
  for (const { id, algorithm = "sha256" } of servers) {
    secrets[id] = `secret-${id}-${Math.random().toString(36).slice(2)}`;
    sims[id] = await startSimulator({ secret: secrets[id], algorithms: algorithm, callbackRetryMs });
  }
  const list = servers.map(({ id, algorithm = "sha256", load_multiplier, tags }) => ({
    id, url: sims[id].url, checksum: algorithm, ...(load_multiplier ? { load_multiplier } : {}), ...(tags ? { tags } : {}),
  }));
  const settings = { BBB_SERVERS: `'${JSON.stringify(list)}'` };
  for (const { id } of servers) settings[`BBB_SECRET_${id.toUpperCase().replace(/-/g, "_")}`] = secrets[id];
  return {
    sims,
    secrets,
    settings,
    /** Stops a server, as a crash does. */
    kill: (id) => sims[id].stop(),
    /** Starts a stopped server again on its port (its meetings are gone, as after a restart). */
    revive: async (id) => {
      const { port } = sims[id];
      const algorithm = servers.find((s) => s.id === id).algorithm ?? "sha256";
      sims[id] = await startSimulator({ secret: secrets[id], algorithms: algorithm, callbackRetryMs, port });
      return sims[id];
    },
    stop: () => Promise.all(Object.values(sims).map((sim) => sim.stop())),
  };
}

/**
 * The built worker in workerd via `wrangler dev`, configured through an env file (vars and
 * secrets, like .dev.vars). `settings` may hold functions of the worker's own origin; `config`
 * picks another wrangler.toml (the benchmark's baseline worker); `port` and `stateDir` let a
 * second worker take over from a stopped one (a redeploy with new settings).
 */
export async function startWorker(settings, options = {}) {
  // wrangler dev runs the custom build once more when its file watcher is ready. Under load (a
  // suite starting ten workers at once) that restart can overlap the first start, and the two
  // runtimes race for the port ("Address already in use"): such a start is tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWorkerOnce(settings, options);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(error.message)) throw error;
    }
  }
}

/**
 * The product's wrangler.toml with its custom build watching an empty folder: the test command
 * builds once before the suites, and an edit to src/ while they run must not rebuild and restart
 * the workers under test. Beside wrangler.toml (its paths are relative), one per test process.
 */
let unwatchedConfig;
function productConfig() {
  if (!unwatchedConfig) {
    // Built once here, before any worker starts: ten workers starting at once must not each
    // find the build stale and build it (BBB_EDGE_BUILT below makes their build step a no-op).
    execFileSync("bash", [join(ROOT, "scripts/build-worker.sh")], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    const empty = mkdtempSync(join(tmpdir(), "bbb-edge-unwatched-"));
    const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8").replace(/^watch_dir = .*$/m, `watch_dir = [${JSON.stringify(empty)}]`);
    unwatchedConfig = join(ROOT, `.wrangler-e2e-${process.pid}.toml`);
    writeFileSync(unwatchedConfig, toml);
    process.on("exit", () => rmSync(unwatchedConfig, { force: true }));
  }
  return unwatchedConfig;
}

async function startWorkerOnce(settings, { config = productConfig(), port: fixedPort, stateDir: sharedState } = {}) {
  const port = fixedPort ?? (await freePort());
  const inspector = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "bbb-edge-e2e-"));
  const stateDir = sharedState ?? join(dir, "state");
  const envFile = join(dir, "worker.env");
  const resolved = Object.entries({ PUBLIC_URL: origin, ...settings })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "function" ? value(origin) : value}`);
  writeFileSync(envFile, resolved.join("\n") + "\n");
  const wrangler = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  const proc = launch(
    "wrangler dev",
    process.execPath,
    [wrangler, "dev", ...(config ? ["--config", config] : []), "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
      "--env-file", envFile, "--persist-to", stateDir, "--show-interactive-dev-session=false", "--log-level", "log", "--test-scheduled"],
    { ready: /Ready on http/, env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", BBB_EDGE_BUILT: config === unwatchedConfig ? "1" : "" } },
  );
  await proc.started.catch(async (error) => {
    await proc.stop();
    throw error;
  });
  return {
    origin,
    port,
    /** Where workerd keeps this instance's Durable Object and cache storage. */
    stateDir,
    /** wrangler's DevTools port for this worker (V8's inspector protocol: CPU profiles). */
    inspector,
    /** Every line wrangler printed: the worker's console output among them. */
    lines: proc.lines,
    /** The worker's structured log lines, parsed. */
    logs: () => proc.lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line)),
    stop: proc.stop,
  };
}

/** Records every response seen, so a test can scan them all for secrets at the end. */
export class Recorder {
  constructor() {
    this.seen = [];
  }

  async fetch(url, init = {}) {
    const response = await fetch(url, { redirect: "manual", ...init });
    const body = await response.text();
    const record = { method: init.method ?? "GET", url: String(url), status: response.status, headers: Object.fromEntries(response.headers), body };
    this.seen.push(record);
    return record;
  }
}
