// A pool of BBB servers (CONTRACT §8): placement by load, tags, cordon and disable, a server
// lost and back, re-homing, per-server secrets and callbacks, recordings across servers and the
// admin API, through the worker in workerd against three simulated servers, each with its own
// secret and checksum algorithm.
import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startPool, startWorker } from "../support/harness.mjs";
import { assertMatchesOpenApi, documentedSuccesses } from "../support/openapi.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";
import { startReceiver } from "../support/receiver.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const CALLBACK_SECRET = `cb-${randomBytes(16).toString("hex")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;

let pool;
let worker;
let receiver;
const http = new Recorder();
const tokens = [];
const signedUrls = [];

before(async () => {
  pool = await startPool([
    { id: "a", algorithm: "sha256" },
    { id: "b", algorithm: "sha512", load_multiplier: 2 },
    { id: "c", algorithm: "sha1", tags: ["eu"] },
  ], { callbackRetryMs: "200,400" });
  receiver = await startReceiver();
  worker = await startWorker({
    ...pool.settings, CALLBACK_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", BBB_TIMEOUT_MS: "1000",
    MODERATOR_ROLES: "Instructor", HOST_WEBHOOK_URL: receiver.url, HOST_WEBHOOK_SECRET: WEBHOOK_SECRET, WEBHOOK_RETRY_BASE_SECONDS: "1",
  });
});

after(() => {
  worker?.stop();
  pool?.stop();
  receiver?.stop();
});

/** A meeting of the first test, ended with its callback lost near the end of the suite. */
let lostCallback;
const meetingId = (prefix = "room") => `${prefix}-${randomUUID().slice(0, 8)}`;
const now = () => Math.floor(Date.now() / 1000);
const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));
const param = (location, name) => new URL(location).searchParams.get(name);
const serverOf = (location) => Object.entries(pool.sims).find(([, sim]) => location.startsWith(sim.url))?.[0];

async function join(meeting, claims = {}) {
  const value = sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: "Ada", roles: ["Instructor"], ...claims }), JWT_SECRET);
  tokens.push(value);
  const response = await http.fetch(`${worker.origin}/join?token=${encodeURIComponent(value)}`);
  if (response.headers.location) signedUrls.push(response.headers.location);
  return response;
}

async function admin(method, path, { scope = "admin" } = {}) {
  const value = sign({ iss: "lms", aud: "edge", iat: now(), exp: now() + 60, sub: "ops", scope }, JWT_SECRET);
  tokens.push(value);
  const response = await http.fetch(`${worker.origin}/api/v1/${path}`, { method, headers: { authorization: `Bearer ${value}` } });
  return { status: response.status, json: JSON.parse(response.body) };
}

const api = (method, path) => admin(method, path, { scope: "api" });
const setState = (id, action) => admin("POST", `servers/${id}/${action}`);
const poll = () => admin("POST", "pool/poll");
const servers = async () => Object.fromEntries((await admin("GET", "servers")).json.servers.map((s) => [s.id, s]));

/** Opens a join URL at its server like a browser; the checksum must pass there. */
async function enter(location) {
  const bbb = await fetch(location, { redirect: "manual" });
  assert.match(bbb.headers.get("location") ?? "", /\/client\/BigBlueButton\.html/, `the server took the join: ${bbb.headers.get("location")}`);
}

const createsAt = async (id, meeting) =>
  (await pool.sims[id].requests("create")).filter((r) => r.params.some(([k, v]) => k === "meetingID" && v === meeting));
const requestCounts = async () => Object.fromEntries(await Promise.all(Object.entries(pool.sims).map(async ([id, sim]) => [id, (await sim.requests()).length])));
/** Waits until the meeting's coordinator has heard (its log line) that its server stopped taking joins. */
async function untilLost(meeting) {
  for (let i = 0; i < 100; i++) {
    if (worker.logs().some((l) => l.route === "coordinator" && l.note === "server_lost" && l.meeting === meeting)) return;
    await pause(100);
  }
  throw new Error(`${meeting}: the pool's notice never arrived`);
}
const poolCalls = () => worker.logs().filter((l) => l.route === "pool" && l.call !== "poll").length;
const endedEvents = (meeting) =>
  receiver.deliveries.map((d) => JSON.parse(d.body)).filter((e) => e.type === "meeting.ended" && e.data.meeting === meeting);

describe("placement", () => {
  test("a burst of 30 new meetings at once spreads by load and multiplier, within fair share + 2", async () => {
    const meetings = Array.from({ length: 30 }, () => meetingId("burst"));
    const responses = await Promise.all(meetings.map((m) => join(m)));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [302]);
    const onA = responses.findIndex((r) => serverOf(r.headers.location) === "a"); // a is never stopped
    lostCallback = { meeting: meetings[onA], location: responses[onA].headers.location, at: Date.now() };
    const count = { a: 0, b: 0, c: 0 };
    for (const r of responses) count[serverOf(r.headers.location)]++;
    // Untagged meetings go to untagged servers (c is kept for "eu"); b counts double.
    assert.equal(count.c, 0);
    assert.ok(Math.abs(count.a - 20) <= 2 && Math.abs(count.b - 10) <= 2, JSON.stringify(count));
    for (const id of ["a", "b"]) {
      const creates = (await pool.sims[id].requests("create")).filter((r) => r.params.some(([k, v]) => k === "meetingID" && v.startsWith("burst-")));
      assert.equal(creates.length, count[id], `one create per meeting at ${id}`);
      assert.ok(creates.every((c) => c.checksum_ok), `${id} checks its own secret and algorithm`);
      assert.equal(Object.fromEntries(creates[0].params)["meta_bbb-recording-ready-url"], `${worker.origin}/callbacks/recording-ready/${id}`);
    }
  });

  test("a new meeting goes to the server with the lowest participants × multiplier", async () => {
    const onA = meetingId();
    const onB = meetingId();
    await setState("b", "cordon");
    const first = await join(onA);
    await setState("b", "enable");
    await setState("a", "cordon");
    const second = await join(onB);
    await setState("a", "enable");
    assert.deepEqual([serverOf(first.headers.location), serverOf(second.headers.location)], ["a", "b"]);
    await pool.sims.a.participants(onA, 50);
    await pool.sims.b.participants(onB, 30); // 60 at b's multiplier of 2
    const listed = (await poll()).json.servers;
    const load = Object.fromEntries(listed.map((s) => [s.id, s.load]));
    assert.deepEqual([load.a, load.b], [50, 60], "a poll counts participants × multiplier");
    assert.equal(serverOf((await join(meetingId())).headers.location), "a", "50 < 60");
    await pool.sims.b.participants(onB, 0); // (no-op; b stays at 60)
    // a is now 50 + 15 (the new meeting's expected size, counted at once) = 65 > 60.
    assert.equal(serverOf((await join(meetingId())).headers.location), "b");
    const sized = await join(meetingId(), { expected_size: 500 });
    const on = serverOf(sized.headers.location);
    const after = (await servers())[on].load;
    assert.ok(after >= 500, `expected_size counts at once: ${after}`);
  });

  test("a join for a running meeting makes no BBB call and no pool call", async () => {
    const meeting = meetingId();
    const first = await join(meeting);
    await enter(first.headers.location);
    await pause(200);
    const [requests, calls] = [await requestCounts(), poolCalls()];
    const responses = await Promise.all(Array.from({ length: 20 }, () => join(meeting, { name: "Student", roles: [] })));
    assert.ok(responses.every((r) => r.status === 302 && r.headers.location.startsWith(first.headers.location.split("/api/")[0])));
    await pause(200);
    assert.deepEqual(await requestCounts(), requests, "no BBB call");
    assert.equal(poolCalls(), calls, "no pool call");
  });

  test("tags: prefer, require, fall back to untagged", async () => {
    assert.equal(serverOf((await join(meetingId(), { server_tag: "eu" })).headers.location), "c");
    assert.equal(serverOf((await join(meetingId(), { server_tag: "eu!" })).headers.location), "c");
    assert.notEqual(serverOf((await join(meetingId(), { server_tag: "asia" })).headers.location), "c", "no such tag: untagged");
    await setState("c", "disable");
    try {
      const required = await join(meetingId(), { server_tag: "eu!" });
      assert.deepEqual([required.status, JSON.parse(required.body).error], [503, "no_server_available"]);
      assert.notEqual(serverOf((await join(meetingId(), { server_tag: "eu" })).headers.location), "c");
    } finally {
      await setState("c", "enable");
    }
    const bad = await join(meetingId(), { server_tag: "" });
    assert.equal(bad.status, 400);
  });

  test("each server's join URL is signed with its own secret and algorithm", async () => {
    for (const [id, length] of [["a", 64], ["b", 128], ["c", 40]]) {
      const others = ["a", "b", "c"].filter((o) => o !== id);
      for (const other of others) await setState(other, "cordon");
      try {
        const meeting = meetingId();
        const response = await join(meeting, id === "c" ? { server_tag: "eu" } : {});
        assert.equal(serverOf(response.headers.location), id);
        assert.equal(param(response.headers.location, "checksum").length, length);
        await enter(response.headers.location);
        assert.ok((await createsAt(id, meeting))[0].checksum_ok);
      } finally {
        for (const other of others) await setState(other, "enable");
      }
    }
  });
});

describe("states and health", () => {
  test("cordon: no new meetings, running ones keep taking joins", async () => {
    await setState("b", "cordon");
    const meeting = meetingId();
    await setState("a", "cordon");
    const none = await join(meeting);
    assert.deepEqual([none.status, JSON.parse(none.body).error], [503, "no_server_available"], "c is kept for its tag");
    await setState("a", "enable");
    await setState("b", "enable");
    await setState("a", "cordon");
    const running = await join(meeting);
    assert.equal(serverOf(running.headers.location), "b");
    await setState("b", "cordon");
    try {
      const again = await join(meeting, { name: "Later" });
      assert.equal(serverOf(again.headers.location), "b", "a cordoned server keeps its meetings");
      assert.equal(param(again.headers.location, "createTime"), param(running.headers.location, "createTime"));
      assert.equal((await servers()).b.state, "cordoned");
    } finally {
      await setState("a", "enable");
      await setState("b", "enable");
    }
  });

  test("disable: the next join re-homes the meeting with its first create's parameters, one meeting.ended", async () => {
    const meeting = meetingId();
    await setState("b", "cordon");
    const first = await join(meeting, { meeting_name: "Algebra", create: { record: true } });
    await setState("b", "enable");
    assert.equal(serverOf(first.headers.location), "a");
    await enter(first.headers.location);
    await setState("a", "disable");
    try {
      await untilLost(meeting); // the pool tells the meeting's coordinator from its alarm
      const moved = await join(meeting, { meeting_name: "Other", create: { record: false } });
      assert.equal(moved.status, 302, moved.body);
      assert.equal(serverOf(moved.headers.location), "b");
      const [create] = await createsAt("b", meeting);
      assert.deepEqual([Object.fromEntries(create.params).name, Object.fromEntries(create.params).record], ["Algebra", "true"]);
      await enter(moved.headers.location);
      await receiver.until(() => endedEvents(meeting).length >= 1);
      await pause(500);
      const events = endedEvents(meeting);
      assert.equal(events.length, 1);
      assert.equal(String(events[0].data.create_time), param(first.headers.location, "createTime"));
      // Concurrent later joins all land in the new home.
      const later = await Promise.all(Array.from({ length: 5 }, () => join(meeting, { name: "Student", roles: [] })));
      assert.ok(later.every((r) => serverOf(r.headers.location) === "b"));
      assert.equal((await createsAt("b", meeting)).length, 1);
    } finally {
      await setState("a", "enable");
    }
  });

  test("a server that goes offline: its meeting lands elsewhere at the next join; back online after two good polls", async () => {
    const meeting = meetingId();
    await setState("a", "cordon");
    const first = await join(meeting);
    await setState("a", "enable");
    assert.equal(serverOf(first.headers.location), "b");
    await enter(first.headers.location);
    await pool.kill("b");
    await poll();
    assert.equal((await servers()).b.health, "online", "one failed poll is not enough");
    await poll();
    const listed = await servers();
    assert.deepEqual([listed.b.health, listed.b.failed_polls], ["offline", 2]);
    const health = await http.fetch(`${worker.origin}/healthz`);
    assert.equal(health.status, 200, "a still takes meetings");
    const report = JSON.parse(health.body);
    assert.deepEqual(report.servers.find((s) => s.id === "b").health, "offline");
    assert.ok(!health.body.includes(pool.sims.a.url), "no server URL in /healthz");
    await untilLost(meeting);
    const moved = await join(meeting);
    assert.equal(moved.status, 302, moved.body);
    assert.equal(serverOf(moved.headers.location), "a");
    assert.equal((await createsAt("a", meeting)).length, 1);
    await enter(moved.headers.location);
    await receiver.until(() => endedEvents(meeting).length >= 1);
    assert.equal(endedEvents(meeting).length, 1);

    await pool.revive("b");
    await poll();
    assert.equal((await servers()).b.health, "offline", "one good poll is not enough");
    await poll();
    assert.equal((await servers()).b.health, "online");
  });

  test("no server available", async () => {
    for (const id of ["a", "b", "c"]) await setState(id, "disable");
    try {
      const response = await join(meetingId());
      assert.deepEqual([response.status, JSON.parse(response.body).error], [503, "no_server_available"]);
      const health = await http.fetch(`${worker.origin}/healthz`);
      await pause(10_100); // /healthz reads the pool at most every 10 s per isolate
      const later = await http.fetch(`${worker.origin}/healthz`);
      assert.equal(later.status, 503, later.body);
      assert.ok([200, 503].includes(health.status));
    } finally {
      for (const id of ["a", "b", "c"]) await setState(id, "enable");
    }
  });
});

describe("callbacks and recordings across servers", () => {
  test("recording-ready is checked with its server's secret only", async () => {
    const meeting = meetingId();
    await setState("b", "cordon");
    const first = await join(meeting);
    await setState("b", "enable");
    await enter(first.headers.location);
    const sha1 = createHash("sha1").update(meeting).digest("hex");
    const claims = { meeting_id: meeting, record_id: `${sha1}-${param(first.headers.location, "createTime")}` };
    await pool.sims.a.record(meeting, { callbacks: 0 });
    const post = (path, token) => http.fetch(`${worker.origin}/callbacks/${path}`, {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `signed_parameters=${token}`,
    });
    assert.equal((await post("recording-ready/a", sign(claims, pool.secrets.b))).status, 401, "another server's secret");
    assert.equal((await post("recording-ready/zz", sign(claims, pool.secrets.a))).status, 404);
    assert.equal((await post("recording-ready/a", sign(claims, pool.secrets.a))).status, 200);
    // The pool of one's URL stays valid: checked against each server's secrets.
    assert.equal((await post("recording-ready", sign(claims, pool.secrets.a))).status, 200);
    assert.equal((await post("recording-ready", sign(claims, "nobody's secret"))).status, 401);
  });

  test("a meeting's recordings on two servers are listed together and managed at their own server", async () => {
    const meeting = meetingId();
    await setState("b", "cordon");
    const first = await join(meeting);
    await setState("b", "enable");
    await enter(first.headers.location);
    const onA = await pool.sims.a.record(meeting, { callbacks: 0 });
    await setState("a", "disable");
    try {
      await untilLost(meeting);
      const moved = await join(meeting);
      assert.equal(serverOf(moved.headers.location), "b");
      await enter(moved.headers.location);
      const onB = await pool.sims.b.record(meeting, { callbacks: 0 });
      await setState("a", "enable");
      const listed = await api("GET", `recordings?meeting=${meeting}`);
      assert.equal(listed.status, 200, JSON.stringify(listed.json));
      assert.deepEqual(listed.json.recordings.map((r) => [r.record_id, r.server]), [[onA.record_id, "a"], [onB.record_id, "b"]]);
      const before = { a: (await pool.sims.a.requests("publishRecordings")).length, b: (await pool.sims.b.requests("publishRecordings")).length };
      const unpublished = await api("POST", `recordings/${onA.record_id}/unpublish`);
      assert.deepEqual([unpublished.status, unpublished.json.published, unpublished.json.server], [200, false, "a"]);
      assert.equal((await pool.sims.a.requests("publishRecordings")).length, before.a + 1);
      assert.equal((await pool.sims.b.requests("publishRecordings")).length, before.b, "never asked b");
      const one = await api("GET", `recordings/${onB.record_id}`);
      assert.equal(one.json.server, "b");
      const status = await api("GET", `meetings/${meeting}`);
      assert.deepEqual([status.status, status.json.server], [200, "b"]);
    } finally {
      await setState("a", "enable");
    }
  });
});

describe("admin API", () => {
  test("shapes and scope", async () => {
    const { status, json } = await admin("GET", "servers");
    assert.equal(status, 200);
    assert.deepEqual(json.servers.map((s) => s.id), ["a", "b", "c"]);
    for (const server of json.servers) {
      assert.deepEqual(Object.keys(server).sort(), ["failed_polls", "health", "id", "last_poll", "load", "meetings", "state", "url"]);
      assert.equal(server.url, new URL(pool.sims[server.id].url).origin, "origin only");
      assert.match(server.last_poll, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    assert.deepEqual((await api("GET", "servers")).json.error, "scope_missing", "api alone is not admin");
    assert.equal((await api("GET", "servers")).status, 403);
    const adminOnly = await admin("GET", "recordings?meeting=room-1");
    assert.deepEqual([adminOnly.status, adminOnly.json.error], [403, "scope_missing"], "admin alone opens no other route");
    assert.equal((await setState("zz", "cordon")).status, 404);
    const cordoned = await setState("c", "cordon");
    assert.deepEqual([cordoned.status, cordoned.json.id, cordoned.json.state], [200, "c", "cordoned"]);
    assert.equal((await setState("c", "enable")).json.state, "enabled");
  });

  test("states survive a redeploy", async () => {
    await setState("c", "disable");
    const { port, stateDir } = worker;
    await worker.stop();
    worker = await startWorker({
      ...pool.settings, CALLBACK_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", BBB_TIMEOUT_MS: "1000",
      MODERATOR_ROLES: "Instructor", HOST_WEBHOOK_URL: receiver.url, HOST_WEBHOOK_SECRET: WEBHOOK_SECRET, WEBHOOK_RETRY_BASE_SECONDS: "1",
    }, { port, stateDir });
    assert.equal((await servers()).c.state, "disabled");
    await setState("c", "enable");
  });
});

test("a meeting whose end callback was lost is settled by the poll, once", async () => {
  // Created in the first test; the poll leaves an instance alone for the pool's grace
  // (GRACE_SECONDS, 30 s) after its placement, so wait out what is left of it.
  const { meeting, location, at: createdAt } = lostCallback;
  await pause(Math.max(0, createdAt + 31_000 - Date.now()));
  const at = serverOf(location);
  assert.equal((await pool.sims[at].endMeeting(meeting, { callbacks: 0 })).ended, true);
  const before = (await pool.sims[at].requests("getMeetingInfo")).length;
  await poll();
  try {
    await receiver.until(() => endedEvents(meeting).length >= 1, 10_000);
  } catch (error) {
    const related = worker.lines.filter((l) => l.includes(meeting) || l.includes("pool_work") || l.includes("pool_round"));
    throw new Error(`${error.message}\n${related.slice(-30).join("\n")}`);
  }
  await poll();
  await pause(1500);
  const events = endedEvents(meeting);
  assert.equal(events.length, 1, "once");
  assert.equal(String(events[0].data.create_time), param(location, "createTime"));
  assert.ok((await pool.sims[at].requests("getMeetingInfo")).length > before, "confirmed with getMeetingInfo first");
});

test("every API response matches docs/openapi.json, and every admin route was exercised", () => {
  const { checked, seen } = assertMatchesOpenApi(http.seen);
  assert.ok(checked > 40, `only ${checked} API responses checked`);
  const isAdmin = (path) => path.startsWith("/api/v1/servers") || path.startsWith("/api/v1/pool");
  assert.deepEqual(documentedSuccesses(isAdmin).filter((op) => !seen.has(op)), []);
});

test("nothing leaks", async () => {
  assertNothingLeaks({
    records: http.seen, lines: worker.lines,
    secrets: [JWT_SECRET, CALLBACK_SECRET, WEBHOOK_SECRET, ...Object.values(pool.secrets)],
    tokens, signedUrls: signedUrls.filter(Boolean),
  });
});
