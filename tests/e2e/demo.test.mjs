// The demo host page, clicked through in headless Chromium: the newcomer's first ten minutes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { launchBrowser } from "../support/browser.mjs";

import { ROOT, startSimulator, startWorker } from "../support/harness.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const ARTIFACTS = join(ROOT, "tests/artifacts");

let sim;
let worker;
let demo;
let demoUrl;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ secret: BBB_SECRET });
  const settings = { JWT_ISSUER: "http://demo-host", JWT_AUDIENCE: "bbb-edge", JWT_SECRET };
  worker = await startWorker({ ...settings, BBB_URL: sim.url, BBB_SECRET, MODERATOR_ROLES: "Instructor" });
  demo = spawn(process.execPath, [join(ROOT, "scripts/demo-host.mjs")], {
    env: { ...process.env, ...settings, WORKER_URL: worker.origin, BBB_SIM_URL: sim.origin, DEMO_PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  demoUrl = await new Promise((ok, fail) => {
    demo.stdout.on("data", (chunk) => {
      const match = chunk.toString().match(/listening on (http:\/\/\S+)/);
      if (match) ok(match[1]);
    });
    demo.on("exit", (code) => fail(new Error(`demo host exited with ${code}`)));
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  demo?.kill();
  worker?.stop();
  sim?.stop();
});

async function joinAs(button, name) {
  const page = await browser.newPage();
  await page.goto(demoUrl);
  await page.fill('input[name="name"]', name);
  await Promise.all([page.waitForURL(/\/client\/BigBlueButton\.html/), page.click(`button:has-text("${button}")`)]);
  return page;
}

test("join as teacher lands in the meeting as moderator", async () => {
  const page = await joinAs("Join as teacher", "Grace Hopper");
  assert.equal(await page.textContent('[data-testid="role"]'), "MODERATOR");
  assert.equal(await page.textContent('[data-testid="full-name"]'), "Grace Hopper");
  assert.equal(await page.textContent('[data-testid="meeting-name"]'), "Demo room");
  await page.screenshot({ path: join(ARTIFACTS, "demo-teacher.png") });
  await page.close();
});

test("join as student lands in the same meeting as viewer", async () => {
  const page = await joinAs("Join as student", "Alan Turing");
  assert.equal(await page.textContent('[data-testid="role"]'), "VIEWER");
  assert.equal(await page.textContent('[data-testid="meeting-id"]'), "demo-room");
  await page.close();
});

test("list recordings, before and after one is made", async () => {
  const page = await browser.newPage();
  await page.goto(`${demoUrl}recordings`);
  assert.ok(await page.isVisible('[data-testid="no-recordings"]'));
  await Promise.all([page.waitForURL(/\/recordings$/), page.click('button:has-text("Simulate a recording")')]);
  assert.match(await page.textContent('[data-testid="recording"]'), /Demo room.*published/s);
  await page.screenshot({ path: join(ARTIFACTS, "demo-recordings.png") });
  await page.close();
});

test("two windows: a student waits for the teacher, and goes in when the teacher joins", async () => {
  // The earlier tests started the demo room; end it (BBB calls the worker back), so it must start again.
  await sim.endMeeting("demo-room");
  const student = await browser.newPage();
  for (let i = 0; i < 50; i++) {
    await student.goto(demoUrl);
    await student.fill('input[name="name"]', "Marie Curie");
    await student.click('button:has-text("wait for the teacher")');
    // The worker's waiting page (its script puts the ticket in the address), or the meeting
    // itself while the end callback has not landed yet.
    await student.waitForURL((url) => url.href.startsWith(`${worker.origin}/join/wait/`) || url.pathname.includes("BigBlueButton"));
    if (student.url().startsWith(worker.origin)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.equal(await student.textContent("h1"), "Demo room");
  assert.match(await student.textContent("main"), /Waiting as Marie Curie/);
  await student.screenshot({ path: join(ARTIFACTS, "demo-waiting.png") });
  const teacher = await joinAs("Join as teacher", "Grace Hopper");
  await student.waitForURL(/\/client\/BigBlueButton\.html/, { timeout: 2000 });
  assert.equal(await student.textContent('[data-testid="role"]'), "VIEWER");
  assert.equal(await student.textContent('[data-testid="full-name"]'), "Marie Curie");
  await teacher.close();
  await student.close();
});
