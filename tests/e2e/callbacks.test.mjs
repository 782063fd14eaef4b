// BBB's callbacks and the host's signed webhooks, end to end: simulator → worker (workerd) →
// a local webhook receiver.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";
import { startReceiver, verifyStandardWebhook } from "../support/receiver.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;

let sim;
let worker;
let receiver;
const http = new Recorder();

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET });
  receiver = await startReceiver();
  worker = await startWorker({
    BBB_URL: sim.url,
    BBB_SECRET,
    JWT_SECRET,
    JWT_ISSUER: "lms",
    JWT_AUDIENCE: "edge",
    HOST_WEBHOOK_URL: receiver.url,
    HOST_WEBHOOK_SECRET: WEBHOOK_SECRET,
    WEBHOOK_RETRY_BASE_SECONDS: "1",
  });
});

after(() => {
  worker?.stop();
  sim?.stop();
  receiver?.stop();
});

const meetingId = () => `room-${randomUUID().slice(0, 8)}`;
const events = (type, meeting) =>
  receiver.deliveries.filter((d) => d.answered === 200).map((d) => ({ ...d, json: JSON.parse(d.body) }))
    .filter((d) => d.json.type === type && d.json.data.meeting === meeting);

async function startMeeting(meeting) {
  const token = sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: "Host" }), JWT_SECRET);
  const response = await fetch(`${worker.origin}/join?token=${token}`, { redirect: "manual" });
  assert.equal(response.status, 302);
  await fetch(response.headers.get("location"), { redirect: "manual" }); // someone is in the meeting
  return new URL(response.headers.get("location")).searchParams.get("createTime");
}

const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe("meeting ended", () => {
  test("the callback fired 5 times gives exactly one signed meeting.ended", async () => {
    const meeting = meetingId();
    const createTime = await startMeeting(meeting);
    await sim.endMeeting(meeting, { callbacks: 5 });
    await receiver.until(() => events("meeting.ended", meeting).length >= 1);
    await pause(1500); // room for duplicates to show up, if there were any
    const delivered = events("meeting.ended", meeting);
    assert.equal(delivered.length, 1);
    const [event] = delivered;
    assert.ok(verifyStandardWebhook(WEBHOOK_SECRET, event.headers, event.body), "signature verifies");
    assert.equal(event.headers["content-type"], "application/json");
    assert.deepEqual(event.json.data, { meeting, create_time: Number(createTime) });
    assert.match(event.json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const attempts = (await sim.callbacks()).filter((c) => c.kind === "meeting-ended" && c.url.includes("/callbacks/meeting-ended/"));
    assert.ok(attempts.filter((c) => c.status === 200).length >= 5, "every one of BBB's calls was answered 200");
  });

  test("after the callback, the next join creates a fresh meeting without a detour", async () => {
    const meeting = meetingId();
    const first = await startMeeting(meeting);
    await sim.endMeeting(meeting);
    await receiver.until(() => events("meeting.ended", meeting).length === 1);
    const second = await startMeeting(meeting);
    assert.notEqual(second, first);
  });

  test("a callback of an instance that was replaced is 410; a tampered one is 401", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    const create = (await sim.requests("create")).findLast((r) => r.params.some(([k, v]) => k === "meetingID" && v === meeting));
    const endedUrl = Object.fromEntries(create.params).meetingEndedURL;
    await sim.endMeeting(meeting);
    await receiver.until(() => events("meeting.ended", meeting).length === 1);
    await startMeeting(meeting); // a new instance, with a new nonce

    const old = await http.fetch(endedUrl);
    assert.equal(old.status, 410);
    assert.equal(JSON.parse(old.body).error, "gone");

    const [encodedMeeting, nonce, mac] = endedUrl.split("/").pop().split(".");
    for (const forged of [`${encodedMeeting}.${nonce}x.${mac}`, `${encodedMeeting}.${nonce}.${mac.slice(0, -2)}AA`, "not-a-token"]) {
      const response = await http.fetch(`${worker.origin}/callbacks/meeting-ended/${forged}`);
      assert.equal(response.status, 401, forged);
    }
    await pause(500);
    assert.equal(events("meeting.ended", meeting).length, 1);
  });
});

describe("recording ready", () => {
  test("BBB's callback fired 5 times gives exactly one recording.ready, confirmed with getRecordings", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    await sim.endMeeting(meeting, { callbacks: 0 });
    const recording = await sim.record(meeting, { formats: "presentation,video", callbacks: 5 });
    await receiver.until(() => events("recording.ready", meeting).length >= 1);
    await pause(1500);
    const delivered = events("recording.ready", meeting);
    assert.equal(delivered.length, 1);
    const [event] = delivered;
    assert.ok(verifyStandardWebhook(WEBHOOK_SECRET, event.headers, event.body));
    assert.equal(event.json.data.record_id, recording.record_id);
    assert.equal(event.json.data.state, "published");
    assert.equal(event.json.data.published, true);
    assert.deepEqual(event.json.data.playback.map((p) => p.type), ["presentation", "video"]);
    assert.ok(event.json.data.playback.every((p) => typeof p.length === "number" && p.url.startsWith("http")));
    const confirmations = (await sim.requests("getRecordings")).filter((r) => r.params.some(([k, v]) => k === "recordID" && v === recording.record_id));
    assert.ok(confirmations.length >= 1 && confirmations.every((r) => r.checksum_ok));
  });

  test("a recording still processing is accepted but not announced", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    await sim.record(meeting, { state: "processing", callbacks: 1 });
    await pause(1500);
    assert.equal(events("recording.ready", meeting).length, 0);
  });

  test("forged callbacks are 401 and announce nothing", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    const recording = await sim.record(meeting, { callbacks: 0 });
    const post = (body, type = "application/x-www-form-urlencoded") =>
      http.fetch(`${worker.origin}/callbacks/recording-ready`, { method: "POST", headers: { "content-type": type }, body });
    const claims = { meeting_id: meeting, record_id: recording.record_id };
    const forged = [
      sign(claims, "not-the-bbb-secret"),
      sign(claims, BBB_SECRET, { alg: "none" }),
      sign(claims, BBB_SECRET).slice(0, -3) + "AAA",
      sign(claims, BBB_SECRET, { header: { crit: ["x-ext"], "x-ext": 1 } }), // RFC 7515 §4.1.11
    ];
    for (const token of forged) {
      const response = await post(`signed_parameters=${token}`);
      assert.equal(response.status, 401, token);
    }
    assert.equal((await post("")).status, 400);
    await pause(800);
    assert.equal(events("recording.ready", meeting).length, 0);
    // The genuine one, as JSON (some load balancers relay it so), is accepted.
    const genuine = await post(JSON.stringify({ signed_parameters: sign(claims, BBB_SECRET) }), "application/json");
    assert.equal(genuine.status, 200, genuine.body);
    await receiver.until(() => events("recording.ready", meeting).length === 1);
  });

  test("a recording BBB does not know is 410", async () => {
    const meeting = meetingId();
    const sha1 = (await import("node:crypto")).createHash("sha1").update(meeting).digest("hex");
    const token = sign({ meeting_id: meeting, record_id: `${sha1}-1700000000000` }, BBB_SECRET);
    const response = await http.fetch(`${worker.origin}/callbacks/recording-ready`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `signed_parameters=${token}`,
    });
    assert.equal(response.status, 410);
  });
});

describe("delivery", () => {
  test("a host answering 500 three times gets the event once, with the same webhook-id every time", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    const before = receiver.deliveries.length;
    receiver.failNext(3);
    await sim.endMeeting(meeting);
    await receiver.until(() => events("meeting.ended", meeting).length === 1, 30_000);
    const attempts = receiver.deliveries.slice(before).filter((d) => JSON.parse(d.body).data.meeting === meeting);
    assert.deepEqual(attempts.map((d) => d.answered), [500, 500, 500, 200]);
    assert.equal(new Set(attempts.map((d) => d.headers["webhook-id"])).size, 1);
    assert.ok(attempts.every((d) => verifyStandardWebhook(WEBHOOK_SECRET, d.headers, d.body)));
    // Growing delays from WEBHOOK_RETRY_BASE_SECONDS=1: about 1, 2 and 4 s.
    const gaps = attempts.slice(1).map((d, i) => d.at - attempts[i].at);
    assert.ok(gaps[2] > gaps[0], `gaps ${gaps}`);
    await pause(300);
    const lines = worker.logs().filter((l) => l.route === "webhook" && l.meeting === meeting);
    assert.deepEqual(lines.map((l) => l.outcome), ["retry", "retry", "retry", "delivered"]);
  });
});

test("nothing leaks", async () => {
  await pause(200);
  assertNothingLeaks({ records: http.seen, lines: worker.lines, secrets: [BBB_SECRET, JWT_SECRET, WEBHOOK_SECRET, WEBHOOK_SECRET.slice(6)], tokens: [], signedUrls: [] });
});

describe("reconciliation", () => {
  const runCron = () => fetch(`${worker.origin}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);

  test("a lost recording-ready callback is announced by the scheduled pass, once", async () => {
    const meeting = meetingId();
    await startMeeting(meeting);
    await sim.endMeeting(meeting);
    const recording = await sim.record(meeting, { callbacks: 0 }); // the callback is lost
    await pause(800);
    assert.equal(events("recording.ready", meeting).length, 0);

    assert.equal((await runCron()).status, 200);
    await receiver.until(() => events("recording.ready", meeting).length === 1);
    const [event] = events("recording.ready", meeting);
    assert.equal(event.json.data.record_id, recording.record_id);
    assert.ok(verifyStandardWebhook(WEBHOOK_SECRET, event.headers, event.body));

    // A later callback or pass for the same recording announces nothing new.
    await sim.record(meeting, { callbacks: 1 });
    await pause(1000);
    assert.equal(events("recording.ready", meeting).length, 1);
    await pause(300);
    const pass = worker.logs().findLast((l) => l.route === "reconcile");
    assert.ok(pass.reconciled.meetings >= 1, JSON.stringify(pass));
    assert.ok(pass.reconciled.announced >= 1, JSON.stringify(pass));
  });
});
