// One meeting, one create: the meeting coordinator (a Durable Object per meeting) in workerd,
// against the simulator's request log.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";
import { objects } from "../support/do-storage.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;

let sim;
let worker;
const http = new Recorder();
const tokens = [];
const signedUrls = [];

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET });
  worker = await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", BBB_TIMEOUT_MS: "1000" });
});

after(() => {
  worker?.stop();
  sim?.stop();
});

const meetingId = () => `room-${randomUUID().slice(0, 8)}`;

function token(claims) {
  const value = sign(joinClaims({ issuer: "lms", audience: "edge", name: "Ada", ...claims }), JWT_SECRET);
  tokens.push(value);
  return value;
}

async function join(value) {
  const response = await http.fetch(`${worker.origin}/join?token=${encodeURIComponent(value)}`);
  if (response.headers.location) signedUrls.push(response.headers.location);
  return response;
}

const createTime = (response) => new URL(response.headers.location).searchParams.get("createTime");
const createsFor = async (meeting) =>
  (await sim.requests("create")).filter((r) => r.params.some(([k, v]) => k === "meetingID" && v === meeting));

/** Follows a join like a browser: worker → BBB → (error → worker → BBB)* → client page. */
async function follow(location) {
  const hops = [];
  let url = location;
  for (let i = 0; i < 6; i++) {
    const response = await fetch(url, { redirect: "manual" });
    hops.push({ url, status: response.status });
    if (response.status !== 302) {
      return { hops, status: response.status, url, body: await response.text() };
    }
    url = new URL(response.headers.get("location"), url).toString();
    if (url.startsWith(worker.origin)) signedUrls.push(url);
  }
  throw new Error(`too many redirects: ${JSON.stringify(hops)}`);
}

describe("single flight", () => {
  test("200 concurrent first joins to a new meeting make exactly one create", async () => {
    const meeting = meetingId();
    const values = Array.from({ length: 200 }, (_, i) => token({ meeting, name: `Student ${i}`, sub: `s-${i}` }));
    const responses = await Promise.all(values.map(join));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [302]);
    const times = new Set(responses.map(createTime));
    assert.equal(times.size, 1, `createTimes: ${[...times]}`);
    const creates = await createsFor(meeting);
    assert.equal(creates.length, 1, "exactly one create in the simulator's log");
    assert.ok(creates[0].checksum_ok);
    // Every one of them really gets in.
    const landed = await follow(responses[199].headers.location);
    assert.match(landed.url, /\/client\/BigBlueButton\.html/);
  });

  test("once running, 100 more joins make no BBB call at all", async () => {
    const meeting = meetingId();
    const first = await join(token({ meeting }));
    await follow(first.headers.location);
    const before = (await sim.requests()).length;
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => join(token({ meeting, sub: `u-${i}` }))));
    assert.ok(responses.every((r) => r.status === 302 && createTime(r) === createTime(first)));
    assert.equal((await sim.requests()).length, before, "zero BBB calls on the hot path");
    await new Promise((ok) => setTimeout(ok, 200));
    const lines = worker.logs().filter((l) => l.meeting === meeting && l.route === "join");
    assert.equal(lines.filter((l) => l.note === "created").length, 1);
    assert.ok(lines.filter((l) => l.note === "running").every((l) => l.bbb_calls === 0));
  });
});

describe("single-use tokens", () => {
  test("the same token twice: the second is refused", async () => {
    const meeting = meetingId();
    const value = token({ meeting });
    assert.equal((await join(value)).status, 302);
    const again = await join(value);
    assert.equal(again.status, 401);
    assert.equal(JSON.parse(again.body).error, "token_replayed");
  });

  test("a new jti for the same user is fine", async () => {
    const meeting = meetingId();
    assert.equal((await join(token({ meeting, sub: "same-user" }))).status, 302);
    assert.equal((await join(token({ meeting, sub: "same-user" }))).status, 302);
  });

  test("the same token sent 20 times at once passes once", async () => {
    const value = token({ meeting: meetingId() });
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => join(value)))).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 302).length, 1, `${statuses}`);
    assert.equal(statuses.filter((s) => s === 401).length, 19);
  });
});

describe("failed creates are not cached", () => {
  for (const [label, fault, code] of [
    ["FAILED with a messageKey", { kind: "failed", message_key: "maxConcurrent", message: "Too many" }, "bbb_failed"],
    ["a timeout", { kind: "delay", ms: 3000 }, "bbb_timeout"],
  ]) {
    test(label, async () => {
      const meeting = meetingId();
      await sim.fault({ call: "create", times: 1, ...fault });
      const value = token({ meeting });
      const failed = await join(value);
      assert.equal(JSON.parse(failed.body).error, code);
      // The next join retries, and the failed join's token was not spent.
      const retry = await join(value);
      assert.equal(retry.status, 302, retry.body);
      assert.equal((await createsFor(meeting)).length, 2);
    });
  }
});

describe("stale state heals itself", () => {
  test("a meeting ended in BBB without a callback: the next join lands in a fresh meeting", async () => {
    const meeting = meetingId();
    const first = await join(token({ meeting }));
    await follow(first.headers.location);
    await sim.endMeeting(meeting, { callbacks: 0 }); // the callback is lost

    const next = await join(token({ meeting, name: "Late" }));
    assert.equal(createTime(next), createTime(first), "the coordinator does not know yet");
    const landed = await follow(next.headers.location);
    assert.match(landed.url, /\/client\/BigBlueButton\.html/, JSON.stringify(landed.hops));
    assert.match(landed.body, /data-testid="full-name">Late</);
    assert.ok(landed.hops.some((h) => h.url.startsWith(`${worker.origin}/join/error/`)));
    assert.equal((await createsFor(meeting)).length, 2);

    // Later joins go straight to the new instance.
    const after = await join(token({ meeting }));
    assert.notEqual(createTime(after), createTime(first));
    assert.match((await follow(after.headers.location)).url, /\/client\//);
  });

  test("BBB restarted and forgot every meeting: the same", async () => {
    const meeting = meetingId();
    await follow((await join(token({ meeting }))).headers.location);
    await sim.restart();
    const landed = await follow((await join(token({ meeting }))).headers.location);
    assert.match(landed.url, /\/client\/BigBlueButton\.html/, JSON.stringify(landed.hops));
  });

  test("recovery happens once: a second refusal is shown, not retried", async () => {
    const meeting = meetingId();
    await follow((await join(token({ meeting }))).headers.location);
    await sim.endMeeting(meeting, { callbacks: 0 }); // the callback is lost
    const next = await join(token({ meeting }));
    // BBB refuses the stale instance and sends the browser to the worker, which recovers …
    const refused = await fetch(next.headers.location, { redirect: "manual" });
    const recovery = await fetch(refused.headers.get("location"), { redirect: "manual" });
    assert.equal(recovery.status, 302);
    signedUrls.push(recovery.headers.get("location"));
    // … but the fresh instance is gone too before the browser gets there.
    await sim.endMeeting(meeting, { callbacks: 0 }); // the callback is lost
    const second = await fetch(recovery.headers.get("location"), { redirect: "manual" });
    const page = await http.fetch(second.headers.get("location"));
    assert.equal(page.status, 403, "BBB's refusal of a user is not an outage");
    assert.deepEqual([JSON.parse(page.body).error, JSON.parse(page.body).bbb.messageKey], ["join_refused", "meetingForciblyEnded"]);
  });

  test("a forged ticket never triggers a recovery", async () => {
    const before = (await sim.requests("create")).length;
    const page = await http.fetch(`${worker.origin}/join/error/eyJmb3JnZWQiOnRydWV9.AAAA?errors=[%7B%22message%22:%22x%22,%22key%22:%22invalidMeetingIdentifier%22%7D]`);
    assert.equal(page.status, 403);
    assert.equal((await sim.requests("create")).length, before);
  });
});

describe("parameters drift", () => {
  test("the running instance wins and the difference is logged", async () => {
    const meeting = meetingId();
    await join(token({ meeting, meeting_name: "Algebra", create: { record: true } }));
    const later = await join(token({ meeting, meeting_name: "Geometry", create: { record: false } }));
    assert.equal(later.status, 302);
    const creates = await createsFor(meeting);
    assert.equal(creates.length, 1);
    assert.equal(Object.fromEntries(creates[0].params).name, "Algebra");
    await new Promise((ok) => setTimeout(ok, 200));
    const line = worker.logs().findLast((l) => l.meeting === meeting);
    assert.equal(line.drift, "name,record");
    // What the coordinator keeps is what was used.
    const { instance } = objects(worker.stateDir, "bbb-edge", "MeetingCoordinator").find((o) => o.name === meeting);
    assert.equal(instance.name, "Algebra");
    assert.deepEqual(instance.params, [["record", "true"]]);
    assert.equal(instance.status, "running");
    assert.equal(String(instance.create_time), createTime(later));
  });
});

describe("spent jtis are forgotten when their window ends", () => {
  let shortLived;
  before(async () => {
    shortLived = await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", JWT_LEEWAY_SECONDS: "0" });
  });
  after(() => shortLived?.stop());

  test("storage holds the instance and only the jtis still inside their window", async () => {
    const meeting = meetingId();
    for (let i = 0; i < 5; i++) {
      const value = sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: `S${i}`, lifetime: 2 }), JWT_SECRET);
      const response = await fetch(`${shortLived.origin}/join?token=${value}`, { redirect: "manual" });
      assert.equal(response.status, 302);
    }
    const stored = () => objects(shortLived.stateDir, "bbb-edge", "MeetingCoordinator").find((o) => o.name === meeting).keys;
    await new Promise((ok) => setTimeout(ok, 300));
    assert.equal(stored().filter((k) => k.startsWith("jti:")).length, 5);
    assert.ok(stored().includes("instance"));
    // exp + leeway (0) has passed; the clean-up alarm fires one second later.
    const deadline = Date.now() + 15_000;
    while (stored().some((k) => k.startsWith("jti:")) && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 500));
    }
    assert.deepEqual(stored(), ["instance"]);
  });

  test("a class's worth of jtis (more than the 128 keys storage deletes at once) is forgotten too", async () => {
    const meeting = meetingId();
    const joins = Array.from({ length: 200 }, (_, i) => {
      const value = sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: `S${i}`, lifetime: 3 }), JWT_SECRET);
      return fetch(`${shortLived.origin}/join?token=${value}`, { redirect: "manual" }).then((r) => r.status);
    });
    assert.deepEqual(new Set(await Promise.all(joins)), new Set([302]));
    const stored = () => objects(shortLived.stateDir, "bbb-edge", "MeetingCoordinator").find((o) => o.name === meeting).keys;
    assert.equal(stored().filter((k) => k.startsWith("jti:")).length, 200);
    const deadline = Date.now() + 20_000;
    while (stored().some((k) => k.startsWith("jti:")) && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 500));
    }
    assert.deepEqual(stored(), ["instance"]);
  });
});

test("nothing leaks", async () => {
  await new Promise((ok) => setTimeout(ok, 200));
  assertNothingLeaks({ records: http.seen, lines: worker.lines, secrets: [BBB_SECRET, JWT_SECRET], tokens, signedUrls });
});
