// The JSON API (/api/v1/*) end to end: bearer tokens with scope `api`, BBB's XML as typed JSON.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";
import { assertMatchesOpenApi, documentedSuccesses } from "../support/openapi.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;

let sim;
let worker;
const http = new Recorder();
const tokens = [];

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET });
  worker = await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge" });
});

after(() => {
  worker?.stop();
  sim?.stop();
});

function apiToken(claims = {}) {
  const now = Math.floor(Date.now() / 1000);
  const token = sign({ iss: "lms", aud: "edge", iat: now, exp: now + 120, sub: "lms-backend", scope: "api", ...claims }, JWT_SECRET);
  tokens.push(token);
  return token;
}

async function api(method, path, { token = apiToken(), body } = {}) {
  const response = await http.fetch(`${worker.origin}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: "text/html", ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.match(response.headers["content-type"], /^application\/json/, "the API always answers JSON");
  return { status: response.status, json: JSON.parse(response.body) };
}

const meetingId = () => `room-${randomUUID().slice(0, 8)}`;

async function startMeeting(meeting, claims = {}) {
  const token = sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: "Ada", ...claims }), JWT_SECRET);
  const response = await fetch(`${worker.origin}/join?token=${token}`, { redirect: "manual" });
  await fetch(response.headers.get("location"), { redirect: "manual" });
}

describe("authorization", () => {
  test("no token, a join token, a bad signature", async () => {
    const missing = await http.fetch(`${worker.origin}/api/v1/recordings?meeting=room-1`);
    assert.deepEqual([missing.status, JSON.parse(missing.body).error], [400, "token_missing"]);
    const join = sign(joinClaims({ issuer: "lms", audience: "edge", meeting: "m", name: "x" }), JWT_SECRET);
    assert.deepEqual(Object.values(await api("GET", "recordings?meeting=room-1", { token: join })).map((v) => v.error ?? v), [403, "scope_missing"]);
    const joinScope = apiToken({ scope: "join" });
    assert.equal((await api("GET", "recordings?meeting=room-1", { token: joinScope })).json.error, "scope_missing");
    const forged = sign({ iss: "lms", aud: "edge", iat: 1, exp: 2, sub: "x", scope: "api" }, "wrong-key");
    assert.equal((await api("GET", "recordings?meeting=room-1", { token: forged })).status, 401);
    const now = Math.floor(Date.now() / 1000);
    const crit = sign({ iss: "lms", aud: "edge", iat: now, exp: now + 60, sub: "x", scope: "api" }, JWT_SECRET, { header: { crit: ["exp"] } });
    assert.deepEqual(Object.values(await api("GET", "recordings?meeting=room-1", { token: crit })).map((v) => v.error ?? v), [401, "token_invalid"]);
    const expired = apiToken({ iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 });
    assert.equal((await api("GET", "recordings?meeting=room-1", { token: expired })).json.error, "token_expired");
    assert.equal((await api("GET", "recordings?meeting=room-1", { token: apiToken({ scope: "openid api" }) })).status, 200);
  });
});

describe("meetings", () => {
  test("status from getMeetingInfo, with what the coordinator used", async () => {
    const meeting = meetingId();
    await startMeeting(meeting, { meeting_name: "Algebra", create: { record: true } });
    const { status, json } = await api("GET", `meetings/${encodeURIComponent(meeting)}`);
    assert.equal(status, 200);
    assert.equal(json.meeting, meeting);
    assert.equal(json.running, true);
    assert.equal(json.participants, 1);
    assert.equal(json.attendees[0].full_name, "Ada");
    assert.equal(json.coordinator.name, "Algebra");
    assert.deepEqual(json.coordinator.create_params, { record: "true" });
    assert.equal(json.coordinator.status, "running");
  });

  test("a meeting id with spaces and slashes travels percent-encoded", async () => {
    const meeting = `Course 101/${randomUUID().slice(0, 4)} ü`;
    await startMeeting(meeting);
    const { status, json } = await api("GET", `meetings/${encodeURIComponent(meeting)}`);
    assert.equal(status, 200);
    assert.equal(json.meeting, meeting);
  });

  test("unknown meetings are 404 with BBB's messageKey; bad ids never reach BBB", async () => {
    const unknown = await api("GET", "meetings/never-created");
    assert.equal(unknown.status, 404);
    assert.deepEqual([unknown.json.error, unknown.json.bbb.messageKey], ["not_found", "notFound"]);
    const before = (await sim.requests()).length;
    const bad = await api("GET", "meetings/x");
    assert.deepEqual([bad.status, bad.json.error], [400, "invalid_request"]);
    assert.equal((await sim.requests()).length, before);
  });

  test("end", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    const ended = await api("POST", `meetings/${meeting}/end`);
    assert.equal(ended.status, 200);
    assert.equal((await api("GET", `meetings/${meeting}`)).json.forcibly_ended, true);
    const again = await api("POST", `meetings/${meeting}/end`);
    assert.deepEqual([again.status, again.json.bbb.messageKey], [404, "notFound"]);
  });
});

describe("recordings", () => {
  test("list (always filtered), get, publish, unpublish, update metadata, delete", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    await sim.endMeeting(meeting); // the coordinator hears of it: the next join creates anew
    const first = await sim.record(meeting, { callbacks: 0, formats: "presentation,video" });
    await new Promise((ok) => setTimeout(ok, 500));
    await startMeeting(meeting);
    await sim.endMeeting(meeting);
    const second = await sim.record(meeting, { callbacks: 0, state: "processing" });
    assert.notEqual(first.record_id, second.record_id);

    const listed = await api("GET", `recordings?meeting=${meeting}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.recordings.map((r) => r.record_id), [first.record_id], "default states: published,unpublished");
    const rec = listed.json.recordings[0];
    assert.deepEqual([rec.meeting, rec.state, rec.published], [meeting, "published", true]);
    assert.deepEqual(rec.playback.map((p) => p.type), ["presentation", "video"]);
    const any = await api("GET", `recordings?meeting=${meeting}&state=any&offset=0&limit=1`);
    assert.equal(any.json.recordings.length, 1);
    assert.equal(any.json.total, 2);
    assert.ok([first.record_id, second.record_id].includes(any.json.recordings[0].record_id));

    assert.equal((await api("GET", `recordings/${second.record_id}`)).json.state, "processing");
    const byId = await api("GET", `recordings?record_id=${first.record_id}`);
    assert.deepEqual(byId.json.recordings.map((r) => r.record_id), [first.record_id]);
    const unpublished = await api("POST", `recordings/${first.record_id}/unpublish`);
    assert.deepEqual([unpublished.json.state, unpublished.json.published], ["unpublished", false]);
    assert.equal((await api("POST", `recordings/${first.record_id}/publish`)).json.published, true);

    const updated = await api("PATCH", `recordings/${first.record_id}`, { body: { meta: { title: "Week 1", course: "CS" } } });
    assert.equal(updated.json.metadata.title, "Week 1");
    const removed = await api("PATCH", `recordings/${first.record_id}`, { body: { meta: { course: null } } });
    assert.equal(removed.json.metadata.course, undefined);
    assert.equal(removed.json.metadata.title, "Week 1");

    assert.equal((await api("DELETE", `recordings/${first.record_id}`)).json.deleted, true);
    assert.equal((await api("GET", `recordings/${first.record_id}`)).json.state, "deleted");
    assert.equal((await api("GET", `recordings?meeting=${meeting}`)).json.recordings.length, 0);
  });

  test("bad requests are refused before any BBB call", async () => {
    const before = (await sim.requests()).length;
    const cases = [
      ["GET", "recordings"],
      ["GET", "recordings?meeting=room-1&state=everything"],
      ["GET", "recordings?meeting=room-1&limit=1000"],
      ["GET", "recordings/not-a-record-id"],
      ["POST", "recordings/..%2F..%2Fetc/publish"],
      ["PATCH", "recordings/6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019", { meta: { "bbb-origin": "x" } }],
    ];
    for (const [method, path, body] of cases) {
      const response = await api(method, path, { body });
      assert.ok([400, 404].includes(response.status), `${method} ${path}: ${response.status}`);
      if (response.status === 400) assert.equal(response.json.error, "invalid_request");
    }
    assert.equal((await sim.requests()).length, before);
  });

  test("unknown recordings are 404; BBB errors keep their messageKey", async () => {
    const id = "6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019";
    assert.equal((await api("GET", `recordings/${id}`)).json.error, "not_found");
    const publish = await api("POST", `recordings/${id}/publish`);
    assert.deepEqual([publish.status, publish.json.bbb.messageKey], [404, "notFound"]);
    await sim.fault({ call: "getRecordings", times: 1, kind: "failed", message_key: "maxRecordings", message: "Busy" });
    const failed = await api("GET", "recordings?meeting=room-1");
    assert.deepEqual([failed.status, failed.json.error, failed.json.bbb.messageKey], [502, "bbb_failed", "maxRecordings"]);
  });

  test("wrong methods and paths", async () => {
    assert.equal((await api("PUT", "recordings?meeting=room-1")).status, 405);
    assert.equal((await api("GET", "nothing/here")).status, 404);
  });
});

test("every response matches docs/openapi.json, and every documented success was seen", () => {
  const { checked, seen } = assertMatchesOpenApi(http.seen);
  assert.ok(checked > 30, `only ${checked} API responses checked`);
  // The pool's admin routes are exercised (and checked) in pool.test.mjs.
  const isAdmin = (path) => path.startsWith("/api/v1/servers") || path.startsWith("/api/v1/pool");
  const missing = documentedSuccesses((path) => !isAdmin(path)).filter((op) => !seen.has(op));
  assert.deepEqual(missing, [], "documented operations the tests never exercised");
});

test("nothing leaks", async () => {
  await new Promise((ok) => setTimeout(ok, 200));
  assertNothingLeaks({ records: http.seen, lines: worker.lines, secrets: [BBB_SECRET, JWT_SECRET], tokens, signedUrls: [] });
});
