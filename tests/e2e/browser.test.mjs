// A real headless Chromium follows join links: the person's path, end to end.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { launchBrowser } from "../support/browser.mjs";

import { ROOT, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const ARTIFACTS = join(ROOT, "tests/artifacts");

let sim;
let worker;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ secret: BBB_SECRET });
  worker = await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", MODERATOR_ROLES: "Instructor" });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  worker?.stop();
  sim?.stop();
});

const link = (claims) => `${worker.origin}/join?token=${sign(joinClaims({ issuer: "lms", audience: "edge", ...claims }), JWT_SECRET)}`;

test("a moderator link opens the meeting with the right name and role", async () => {
  const page = await browser.newPage();
  const response = await page.goto(link({ meeting: "browser-room", name: "Ada Lovelace 🎓", roles: ["Instructor"] }));
  assert.equal(response.status(), 200);
  assert.match(page.url(), /\/client\/BigBlueButton\.html\?sessionToken=/);
  assert.equal(await page.textContent('[data-testid="role"]'), "MODERATOR");
  assert.equal(await page.textContent('[data-testid="full-name"]'), "Ada Lovelace 🎓");
  assert.equal(await page.textContent('[data-testid="meeting-id"]'), "browser-room");
  await page.screenshot({ path: join(ARTIFACTS, "join-moderator.png") });
  await page.close();
});

test("a viewer link in the same meeting", async () => {
  const page = await browser.newPage();
  await page.goto(link({ meeting: "browser-room", name: "Student" }));
  assert.equal(await page.textContent('[data-testid="role"]'), "VIEWER");
  await page.close();
});

test("an expired link shows a readable error page", async () => {
  const now = Math.floor(Date.now() / 1000);
  const page = await browser.newPage();
  const response = await page.goto(link({ meeting: "browser-room", name: "Late", iat: now - 600, exp: now - 300 }));
  assert.equal(response.status(), 401);
  assert.equal(await page.textContent("h1"), "This join link is not valid");
  assert.match(await page.textContent("main"), /expired/);
  await page.screenshot({ path: join(ARTIFACTS, "join-expired.png") });
  await page.close();
});

test("a meeting ended behind the worker's back: the browser still lands in a fresh meeting", async () => {
  const page = await browser.newPage();
  const first = await fetch(link({ meeting: "ending-room", name: "First" }), { redirect: "manual" });
  await fetch(first.headers.get("location"));
  await sim.endMeeting("ending-room", { callbacks: 0 }); // the callback is lost
  // The coordinator still believes the old instance runs; BBB refuses, the worker recovers.
  await page.goto(link({ meeting: "ending-room", name: "Someone" }));
  assert.match(page.url(), /\/client\/BigBlueButton\.html\?sessionToken=/);
  assert.equal(await page.textContent('[data-testid="full-name"]'), "Someone");
  assert.equal(await page.textContent('[data-testid="status"]'), "in the meeting");
  await page.close();
});

test("when BBB refuses the join for good, the browser lands on /join/error with the reason", async () => {
  const page = await browser.newPage();
  await fetch(link({ meeting: "full-room", name: "First", create: { maxParticipants: 1 } })).then((r) => r.text());
  await page.goto(link({ meeting: "full-room", name: "Second" }));
  assert.match(page.url(), new RegExp(`^${worker.origin}/join/error/[^?]+\\?errors=`));
  assert.equal(await page.textContent("h1"), "Could not join the meeting");
  assert.match(await page.textContent("main"), /The meeting is full\./);
  await page.screenshot({ path: join(ARTIFACTS, "join-error.png") });
  await page.close();
});
