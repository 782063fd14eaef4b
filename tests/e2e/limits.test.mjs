// What every route does before its own work (CONTRACT §4): bodies over 64 KiB are refused
// (from Content-Length before reading, and while reading a body without one), a wrong method
// gets 405 with Allow, and /healthz stays cheap however often it is asked.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { hostKey, joinClaims, sign } from "../support/jwt.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const LIMIT = 64 * 1024;
const sentBeforeRefusal = [];

let sim;
let worker;
let jwks;
let jwksFetches = 0;
const http = new Recorder();

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET });
  const key = hostKey("EdDSA");
  const server = createServer((req, res) => {
    jwksFetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [key.jwk] }));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  jwks = { server, url: `http://127.0.0.1:${server.address().port}/jwks.json` };
  worker = await startWorker({
    BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge",
    JWT_ALGORITHMS: "HS256,EdDSA", JWT_JWKS_URL: jwks.url,
  });
});

after(() => {
  worker?.stop();
  sim?.stop();
  jwks?.server.close();
});

const token = () => sign(joinClaims({ issuer: "lms", audience: "edge", meeting: `room-${randomUUID().slice(0, 8)}`, name: "Ada" }), JWT_SECRET);
const error = (response) => JSON.parse(response.body).error;

/** A raw HTTP request on its own connection, so a test controls Content-Length and the body. */
function raw(method, path, { headers = {}, body = Buffer.alloc(0) } = {}) {
  return new Promise((ok, fail) => {
    const url = new URL(path, worker.origin);
    const head = { "content-length": String(body.length), ...headers };
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: head, agent: false }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => { clearTimeout(deadline); ok({ status: res.statusCode, headers: res.headers, body: text }); });
      res.on("error", fail);
    });
    req.on("error", fail);
    // Never hang on a worker that waits for more, nor on an answer whose body never ends.
    const deadline = setTimeout(() => req.destroy(new Error("no whole answer within 10 s")), 10_000);
    req.end(body);
  });
}

/**
 * Sends the request head and then the body in 16 KiB chunks, as fast as the connection takes
 * them, until the answer comes; returns it with how many bytes were sent. `declared` sets
 * Content-Length (else the body is chunked). A server that answers early and closes may reset
 * the connection before its answer is read: then `status` is null and `reset` true.
 */
function streamed(path, { declared, total = 16 * 1024 * 1024, headers = {} } = {}) {
  return new Promise((ok, fail) => {
    const url = new URL(path, worker.origin);
    const head = { "content-type": "application/x-www-form-urlencoded", ...headers };
    if (declared !== undefined) head["content-length"] = String(declared);
    let sent = 0;
    let answered = false;
    let settled = false;
    // Every way out settles the promise once: an answer, a reset, or the overall deadline (an
    // idle timer alone can be kept alive by a trickle, and an answer whose body never ends
    // must not hang the suite).
    const settle = (outcome, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      if (error) fail(error);
      else ok(outcome);
    };
    const deadline = setTimeout(() => settle(null, new Error(`no whole answer within 20 s (${sent} bytes sent)`)), 20_000);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: head, agent: false }, (res) => {
      answered = true;
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => settle({ status: res.statusCode, body: text, sent }));
      res.on("error", () => settle({ status: res.statusCode, body: text, sent, reset: true }));
      res.on("aborted", () => settle({ status: res.statusCode, body: text, sent, reset: true }));
    });
    req.on("error", (error) => {
      if (answered) return; // the response's own handlers settle
      if (error.code === "ECONNRESET" || error.code === "EPIPE") settle({ status: null, reset: true, sent });
      else settle(null, error);
    });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const pump = () => {
      while (!answered && !settled && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return req.once("drain", pump);
      }
      if (!answered && !settled) req.end();
    };
    pump();
  });
}

/** Waits for the worker's log line of a request matching `predicate`. */
async function logLine(predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = worker.logs().find(predicate);
    if (line) return line;
    if (Date.now() > deadline) throw new Error("no such log line");
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

describe("request bodies", () => {
  test("a 16 MiB POST /join is refused with 413 from its Content-Length, before its body arrives", async () => {
    // Only the head is sent: the worker decides from it alone (its log line), reading nothing.
    const before = worker.logs().length;
    const url = new URL("/join", worker.origin);
    const req = httpRequest({
      host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: false,
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(16 * 1024 * 1024) },
    });
    req.on("error", () => {});
    req.flushHeaders();
    try {
      const line = await logLine((l, i = worker.logs().indexOf(l)) => i >= before && l.route === "join" && l.method === "POST");
      assert.deepEqual([line.status, line.outcome], [413, "payload_too_large"]);
    } finally {
      req.destroy();
    }
    // A client that sends it all gets the 413 (or, stopped while still sending, a reset).
    const whole = await streamed("/join", { declared: 16 * 1024 * 1024 });
    const lostByDevProxy = whole.body?.startsWith("Your worker restarted mid-request");
    if (!whole.reset && !lostByDevProxy) assert.deepEqual([whole.status, error(whole)], [413, "payload_too_large"]);
  });

  for (const [method, path, type] of [
    ["POST", "/callbacks/recording-ready", "application/x-www-form-urlencoded"],
    ["PATCH", "/api/v1/recordings/6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019", "application/json"],
    ["GET", "/healthz", "text/plain"],
    ["POST", "/nowhere", "text/plain"],
  ]) {
    test(`${method} ${path.split("/").slice(0, 3).join("/")} with ${LIMIT + 1} bytes is 413`, async () => {
      const response = await raw(method, path, { headers: { "content-type": type }, body: Buffer.alloc(LIMIT + 1, 0x61) });
      assert.deepEqual([response.status, error(response)], [413, "payload_too_large"]);
    });
  }

  test("a body without Content-Length (chunked) is cut off at 64 KiB", async (t) => {
    for (const path of ["/join", "/callbacks/recording-ready"]) {
      const before = worker.logs().length;
      const response = await streamed(path);
      // wrangler's dev proxy (not in production) may lose an answer given while the body is still
      // uploading, and say so in its own words; the worker's log line below is what counts.
      const lostByDevProxy = response.body?.startsWith("Your worker restarted mid-request");
      if (!response.reset && !lostByDevProxy) assert.deepEqual([response.status, error(response)], [413, "payload_too_large"], path);
      assert.ok(response.sent < 16 * 1024 * 1024, `${path}: stopped after ${response.sent} bytes, before the 16 MiB were sent`);
      const line = await logLine((l, i = worker.logs().indexOf(l)) => i >= before && l.status === 413);
      assert.equal(line.outcome, "payload_too_large");
      sentBeforeRefusal.push(response.sent);
    }
    t.diagnostic(`bytes the client had sent when refused: ${sentBeforeRefusal.join(", ")}`);
  });

  test("a form just under the limit still joins", async () => {
    const form = new URLSearchParams({ token: token(), padding: "p".repeat(LIMIT - 2000) }).toString();
    assert.ok(form.length < LIMIT);
    const response = await http.fetch(`${worker.origin}/join`, {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form,
    });
    assert.equal(response.status, 303, response.body);
  });
});

describe("methods", () => {
  for (const [method, path, allow] of [
    ["PUT", "/join", "GET, POST"],
    ["POST", "/healthz", "GET"],
    ["DELETE", "/join/error", "GET"],
    ["POST", "/join/error/abc.def", "GET"],
    ["GET", "/callbacks/recording-ready", "POST"],
    ["POST", "/callbacks/meeting-ended/a.b.c", "GET"],
    ["PUT", "/api/v1/recordings/6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019", "GET, PATCH, DELETE"],
    ["GET", "/api/v1/meetings/room/end", "POST"],
    ["DELETE", "/api/v1/recordings", "GET"],
  ]) {
    test(`${method} ${path} is 405 with Allow: ${allow}`, async () => {
      const response = await http.fetch(`${worker.origin}${path}`, { method });
      assert.deepEqual([response.status, error(response)], [405, "method_not_allowed"]);
      assert.equal(response.headers.allow, allow);
    });
  }
});

describe("/healthz is cheap", () => {
  test("40 health checks in a row make one BBB probe and no JWKS fetch per check", async () => {
    await sim.reset();
    const before = jwksFetches;
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await http.fetch(`${worker.origin}/healthz`)).status);
    assert.deepEqual([...new Set(statuses)], [200]);
    const probes = (await sim.requests()).length;
    assert.ok(probes <= 2, `${probes} BBB requests for 40 health checks`);
    assert.ok(jwksFetches - before <= 1, `${jwksFetches - before} JWKS fetches`);
  });

  test("configuration problems are still named at once", async () => {
    const broken = await startWorker({ BBB_URL: sim.url, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge" });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await http.fetch(`${broken.origin}/healthz`);
        assert.equal(response.status, 503);
        assert.deepEqual(JSON.parse(response.body).config.problems, ["BBB_SECRET"]);
      }
    } finally {
      await broken.stop();
    }
  });
});
