// Secret rotation as an operator does it: redeploy with new secrets and the previous ones, on
// the same Durable Object storage. What was handed out before keeps working; nothing else does.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";

const secret = (name) => `${name}-${randomBytes(16).toString("hex")}`;
const OLD = { BBB: secret("bbb-old"), JWT: secret("jwt-old") };
const NEW = { BBB: secret("bbb-new"), JWT: secret("jwt-new") };

let sim;
let worker;
const base = () => ({ BBB_URL: sim.url, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge" });

before(async () => {
  sim = await startSimulator({ secret: OLD.BBB });
});

after(() => {
  worker?.stop();
  sim?.stop();
});

const joinToken = (key, meeting) => sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: "Ada" }), key);

test("callback URLs, join tokens and recording-ready signatures survive a rotation", async () => {
  const meeting = `room-${randomUUID().slice(0, 8)}`;
  worker = await startWorker({ ...base(), BBB_SECRET: OLD.BBB, JWT_SECRET: OLD.JWT });
  const joined = await fetch(`${worker.origin}/join?token=${joinToken(OLD.JWT, meeting)}`, { redirect: "manual" });
  assert.equal(joined.status, 302);
  const [create] = await sim.requests("create");
  const endedUrl = Object.fromEntries(create.params).meetingEndedURL;
  const { port, stateDir } = worker;
  await worker.stop();
  // BBB switches to the new secret (bbb-conf --setsecret); its meetings are gone with the restart.
  sim.stop();
  sim = await startSimulator({ secret: NEW.BBB });

  // Redeploy: new secrets, the previous ones kept for what is in flight.
  const rotated = { ...base(), BBB_SECRET: NEW.BBB, BBB_SECRET_PREVIOUS: OLD.BBB, JWT_SECRET: NEW.JWT, JWT_SECRET_PREVIOUS: OLD.JWT };
  worker = await startWorker(rotated, { port, stateDir });
  // A token minted with the old key before the host app switched.
  assert.equal((await fetch(`${worker.origin}/join?token=${joinToken(OLD.JWT, `${meeting}-b`)}`, { redirect: "manual" })).status, 302);
  // The running meeting's callback URL was derived from the old BBB secret: still valid.
  assert.equal((await fetch(endedUrl)).status, 200);
  // recording-ready signed with the old BBB secret (sent before BBB switched).
  const recordId = `${(await import("node:crypto")).createHash("sha1").update(meeting).digest("hex")}-1700000000000`;
  const post = (key) => fetch(`${worker.origin}/callbacks/recording-ready`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `signed_parameters=${sign({ meeting_id: meeting, record_id: recordId }, key)}`,
  });
  assert.equal((await post(OLD.BBB)).status, 410, "verified; BBB does not know this recording");
  assert.equal((await post("some-other-secret")).status, 401);
  await worker.stop();

  // Rotation over: the previous secrets are removed, and what they signed stops working.
  worker = await startWorker({ ...base(), BBB_SECRET: NEW.BBB, JWT_SECRET: NEW.JWT }, { port, stateDir });
  assert.equal((await fetch(`${worker.origin}/join?token=${joinToken(OLD.JWT, `${meeting}-c`)}`, { redirect: "manual" })).status, 401);
  assert.equal((await fetch(endedUrl)).status, 401);
  assert.equal((await post(OLD.BBB)).status, 401);
});
