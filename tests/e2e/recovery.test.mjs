// Stale-instance recovery happens on BBB's word only, and every meetingEndedURL that BBB holds is
// honoured (CONTRACT §4): the worker in workerd against the simulator, with a host receiver.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";
import { startReceiver } from "../support/receiver.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const STALE_KEYS = ["invalidMeetingIdentifier", "mismatchCreateTimeParam", "meetingForciblyEnded"];

let sim;
let worker;
let receiver;
const http = new Recorder();
const tokens = [];
const signedUrls = [];

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET, callbackRetryMs: "200,400" });
  receiver = await startReceiver();
  worker = await startWorker({
    BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", BBB_TIMEOUT_MS: "1000",
    MODERATOR_ROLES: "Instructor", HOST_WEBHOOK_URL: receiver.url, HOST_WEBHOOK_SECRET: WEBHOOK_SECRET, WEBHOOK_RETRY_BASE_SECONDS: "1",
  });
});

after(() => {
  worker?.stop();
  sim?.stop();
  receiver?.stop();
});

const meetingId = () => `room-${randomUUID().slice(0, 8)}`;
const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function join(meeting, claims = {}) {
  const value = sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: "Ada", roles: ["Instructor"], ...claims }), JWT_SECRET);
  tokens.push(value);
  const response = await http.fetch(`${worker.origin}/join?token=${encodeURIComponent(value)}`);
  if (response.headers.location) signedUrls.push(response.headers.location);
  return response;
}

const param = (location, name) => new URL(location).searchParams.get(name);
/** BBB's way of sending a browser back: `?errors=` appended to the errorRedirectUrl. */
const withErrors = (errorUrl, key, message = "x") => `${errorUrl}?errors=${encodeURIComponent(JSON.stringify([{ message, key }]))}`;
const requestsFor = async (call, meeting) =>
  (await sim.requests(call)).filter((r) => r.params.some(([k, v]) => k === "meetingID" && v === meeting));
const endedEvents = (meeting) =>
  receiver.deliveries.map((d) => JSON.parse(d.body)).filter((e) => e.type === "meeting.ended" && e.data.meeting === meeting);
const endCallbacks = async (meeting) => {
  const prefix = `/callbacks/meeting-ended/${Buffer.from(meeting).toString("base64url")}.`;
  return (await sim.callbacks()).filter((c) => c.kind === "meeting-ended" && new URL(c.url).pathname.startsWith(prefix));
};

/** Opens a join URL at BBB like a browser, so the meeting has someone in it. */
async function enter(location) {
  const bbb = await fetch(location, { redirect: "manual" });
  assert.match(bbb.headers.get("location") ?? "", /\/client\/BigBlueButton\.html/, "BBB let the user in");
}

describe("recovery only on BBB's word", () => {
  test("a stale error in the query string never drops, ends or re-creates a running instance", async () => {
    const meeting = meetingId();
    const first = await join(meeting);
    assert.equal(first.status, 302);
    await enter(first.headers.location);
    const errorUrl = param(first.headers.location, "errorRedirectUrl");
    for (const key of [...STALE_KEYS, ...STALE_KEYS]) {
      const replay = await http.fetch(withErrors(errorUrl, key), { headers: { accept: "text/html" } });
      assert.notEqual(replay.status, 302, `${key}: no new join was issued for a running instance`);
      assert.ok(replay.status < 500, `${key}: answered ${replay.status}`);
    }
    assert.equal((await requestsFor("create", meeting)).length, 1, "no create after the first");
    assert.ok((await requestsFor("getMeetingInfo", meeting)).length <= 2, "confirmations are cached briefly");
    await pause(1500);
    assert.equal(endedEvents(meeting).length, 0, "no meeting.ended for a running meeting");

    // BBB's real end is still heard, once.
    await sim.endMeeting(meeting, { callbacks: 2 });
    await receiver.until(() => endedEvents(meeting).length >= 1);
    await pause(1000);
    assert.equal(endedEvents(meeting).length, 1);
    assert.equal(String(endedEvents(meeting)[0].data.create_time), param(first.headers.location, "createTime"));
    assert.deepEqual((await endCallbacks(meeting)).map((c) => c.status), [200, 200]);
  });

  test("an instance BBB confirms gone is recovered once; replaying its ticket changes nothing more", async () => {
    const meeting = meetingId();
    const first = await join(meeting);
    await enter(first.headers.location);
    await sim.endMeeting(meeting, { callbacks: 0 }); // the end callback is lost
    const bbb = await fetch(first.headers.location, { redirect: "manual" });
    const errorUrl = bbb.headers.get("location");
    assert.match(errorUrl, /meetingForciblyEnded/);
    const recovered = await http.fetch(errorUrl);
    assert.equal(recovered.status, 302, recovered.body);
    signedUrls.push(recovered.headers.location);
    assert.notEqual(param(recovered.headers.location, "createTime"), param(first.headers.location, "createTime"));
    await enter(recovered.headers.location);
    await receiver.until(() => endedEvents(meeting).length >= 1);

    for (const key of STALE_KEYS) {
      const replay = await http.fetch(withErrors(param(first.headers.location, "errorRedirectUrl"), key));
      if (replay.headers.location) signedUrls.push(replay.headers.location);
      assert.ok(replay.status < 500, replay.body);
    }
    assert.equal((await requestsFor("create", meeting)).length, 2, "one re-create, whatever the replays");
    assert.equal((await requestsFor("getMeetingInfo", meeting)).length, 1, "BBB was asked once");
    await pause(1000);
    assert.equal(endedEvents(meeting).length, 1, "the first instance ended once");
  });

  test("when BBB cannot confirm, nothing is dropped", async () => {
    const meeting = meetingId();
    const first = await join(meeting);
    await enter(first.headers.location);
    await sim.fault({ call: "getMeetingInfo", kind: "status", status: 500, times: 1 });
    const replay = await http.fetch(withErrors(param(first.headers.location, "errorRedirectUrl"), "invalidMeetingIdentifier"));
    assert.notEqual(replay.status, 302);
    assert.equal((await requestsFor("create", meeting)).length, 1);
    const again = await join(meeting, { name: "Later" });
    assert.equal(param(again.headers.location, "createTime"), param(first.headers.location, "createTime"));
  });
});

describe("every meetingEndedURL BBB holds is honoured", () => {
  test("a create whose answer was lost: BBB's end callback on the first URL is 200 and announced once", async () => {
    const meeting = meetingId();
    await sim.fault({ call: "create", kind: "lose_answer", times: 1 });
    const lost = await join(meeting);
    assert.ok(lost.status >= 500, `the first join fails: ${lost.status}`);
    const retried = await join(meeting);
    assert.equal(retried.status, 302, retried.body);
    const creates = await requestsFor("create", meeting);
    assert.deepEqual(creates.map((c) => c.response_key), [null, "duplicateWarning"]);
    const urls = creates.map((c) => Object.fromEntries(c.params).meetingEndedURL);
    assert.notEqual(urls[0], urls[1], "each create attempt has its own nonce");
    await enter(retried.headers.location);

    await sim.endMeeting(meeting, { callbacks: 3 }); // BBB calls the first create's URL
    await receiver.until(() => endedEvents(meeting).length >= 1);
    await pause(1000);
    const callbacks = await endCallbacks(meeting);
    assert.deepEqual(callbacks.map((c) => [c.url, c.status]), [[urls[0], 200], [urls[0], 200], [urls[0], 200]]);
    const events = endedEvents(meeting);
    assert.equal(events.length, 1);
    assert.equal(String(events[0].data.create_time), param(retried.headers.location, "createTime"));
    // And the meeting can start again afterwards.
    const next = await join(meeting);
    assert.notEqual(param(next.headers.location, "createTime"), param(retried.headers.location, "createTime"));
  });

  test("a create that BBB refused (FAILED) leaves no callback URL behind", async () => {
    const meeting = meetingId();
    await sim.fault({ call: "create", kind: "failed", message_key: "maxConcurrent", message: "no", times: 1 });
    assert.equal((await join(meeting)).status, 502);
    const [refused] = await requestsFor("create", meeting);
    const url = Object.fromEntries(refused.params).meetingEndedURL;
    const forged = await http.fetch(url);
    assert.equal(forged.status, 410, "BBB never held this URL");
  });
});

test("nothing leaks", async () => {
  assertNothingLeaks({
    records: http.seen, lines: worker.lines, secrets: [BBB_SECRET, JWT_SECRET, WEBHOOK_SECRET],
    tokens, signedUrls: signedUrls.filter(Boolean),
  });
});
