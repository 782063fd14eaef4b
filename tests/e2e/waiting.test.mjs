// The waiting room (CONTRACT §9) end to end: workerd + the simulator + headless Chromium. A viewer
// whose token (or the worker's default) says `wait_for_moderator` and who comes before the meeting
// runs gets a waiting page, no create, and a spent jti; the meeting's Durable Object tells the page
// over a hibernating WebSocket the moment a moderator's join starts the meeting, and the page goes
// in with a freshly signed join. Without JavaScript a meta refresh gets there too. Screenshots go
// to tests/artifacts/waiting/.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import WebSocket from "ws";

import { launchBrowser } from "../support/browser.mjs";
import { Recorder, ROOT, startSimulator, startWorker } from "../support/harness.mjs";
import { b64url, joinClaims, sign } from "../support/jwt.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const ARTIFACTS = join(ROOT, "tests/artifacts/waiting");
const CLIENT = /\/client\/BigBlueButton\.html\?sessionToken=/;

let sim;
let worker; // WAIT_FOR_MODERATOR unset: tokens ask for the wait
let waitingWorker; // WAIT_FOR_MODERATOR=true, WAIT_MAX_SECONDS=5
let browser;
const http = new Recorder();
const tokens = [];
const signedUrls = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ secret: BBB_SECRET });
  const settings = { BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge" };
  worker = await startWorker(settings);
  waitingWorker = await startWorker({ ...settings, WAIT_FOR_MODERATOR: "true", WAIT_MAX_SECONDS: "5" });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  worker?.stop();
  waitingWorker?.stop();
  sim?.stop();
});

function link(claims, on = worker) {
  const token = sign(joinClaims({ issuer: "lms", audience: "edge", ...claims }), JWT_SECRET);
  tokens.push(token);
  return `${on.origin}/join?token=${token}`;
}

const student = (meeting, extra = {}) => ({ meeting, name: "Zoë Student", meeting_name: "Biology 101", wait_for_moderator: true, ...extra });
const teacher = (meeting) => ({ meeting, name: "Ada Teacher", role: "moderator", meeting_name: "Biology 101" });

/** A moderator's join: the meeting starts (its create happens in this request). */
async function teacherJoins(meeting, on = worker) {
  const response = await http.fetch(link(teacher(meeting), on));
  assert.equal(response.status, 302, response.body);
  signedUrls.push(response.headers.location);
  return response;
}

async function waitingPage(url) {
  const page = await http.fetch(url, { headers: { accept: "text/html" } });
  assert.equal(page.status, 200, page.body.slice(0, 300));
  const attr = (name) => page.body.match(new RegExp(`data-${name}="([^"]+)"`))?.[1];
  return { ...page, path: attr("page"), socket: attr("socket") };
}

const creates = async () => (await sim.requests("create")).length;

async function api(on, path) {
  const now = Math.floor(Date.now() / 1000);
  const token = sign({ iss: "lms", aud: "edge", iat: now, exp: now + 60, sub: "lms", scope: "api" }, JWT_SECRET);
  const response = await fetch(`${on.origin}/api/v1/${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

describe("a student waits for the teacher", () => {
  test("in Chromium: the page shows the wait and lands in the meeting as VIEWER within 2 s of the start", async () => {
    const before = await creates();
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    const socket = page.waitForEvent("websocket");
    const response = await page.goto(link(student("wait-room-js")));
    assert.equal(response.status(), 200);
    assert.equal(await page.textContent("h1"), "Biology 101");
    assert.match(await page.textContent("main"), /Waiting as Zoë Student/);
    assert.match(page.url(), /\/join\/wait\/[^/]+$/, "the address no longer holds the spent token");
    await socket;
    assert.equal(await creates(), before, "waiting creates nothing");
    await page.screenshot({ path: join(ARTIFACTS, "waiting.png"), fullPage: true });

    const started = Date.now();
    await teacherJoins("wait-room-js");
    await page.waitForURL(CLIENT, { timeout: 5000 });
    const took = Date.now() - started;
    console.log(`waiting room: the page was in the meeting ${took} ms after the teacher's join answered`);
    assert.ok(took < 2000, `${took} ms`);
    assert.equal(await page.textContent('[data-testid="role"]'), "VIEWER");
    assert.equal(await page.textContent('[data-testid="full-name"]'), "Zoë Student");
    assert.equal(await creates(), before + 1, "one create, the teacher's");
    await page.close();
  });

  test("without JavaScript: the refresh gets there within its interval", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(link(student("wait-room-nojs")));
    assert.equal(await page.textContent("h1"), "Biology 101");
    assert.match(page.url(), /\/join\?token=/, "no script: the address stays");
    await teacherJoins("wait-room-nojs");
    const started = Date.now();
    await page.waitForURL(CLIENT, { timeout: 15_000 });
    console.log(`waiting room without JavaScript: in the meeting after ${Date.now() - started} ms (refresh every 10 s)`);
    assert.equal(await page.textContent('[data-testid="role"]'), "VIEWER");
    await context.close();
  });

  test("the token is spent by the wait, and a second visit is refused", async () => {
    const url = link(student("wait-room-spent"));
    await waitingPage(url);
    const again = await http.fetch(url, { headers: { accept: "application/json" } });
    assert.equal(again.status, 401);
    assert.equal(JSON.parse(again.body).error, "token_replayed");
  });

  test("a moderator never waits, whatever the token says", async () => {
    const before = await creates();
    const response = await http.fetch(link({ ...teacher("wait-room-mod"), wait_for_moderator: true }));
    assert.equal(response.status, 302);
    assert.match(response.headers.location, /role=MODERATOR/);
    assert.equal(await creates(), before + 1);
  });

  test("a viewer whose token does not ask starts the meeting as before", async () => {
    const response = await http.fetch(link({ meeting: "wait-room-plain", name: "Viewer" }));
    assert.equal(response.status, 302);
    assert.match(response.headers.location, /role=VIEWER/);
  });

  test("a meeting that ended behind the worker's back: the viewer waits again instead of restarting it", async () => {
    await teacherJoins("wait-room-ended");
    await sim.endMeeting("wait-room-ended", { callbacks: 0 }); // the callback is lost
    const before = await creates();
    // The coordinator still believes the old instance runs, so the viewer is sent to BBB…
    const join = await http.fetch(link(student("wait-room-ended")));
    assert.equal(join.status, 302);
    signedUrls.push(join.headers.location);
    const refused = await fetch(join.headers.location, { redirect: "manual" });
    const errorUrl = refused.headers.get("location");
    assert.match(errorUrl, /\/join\/error\/[^?]+\?errors=/);
    // …which refuses; the coordinator confirms the instance gone, and the viewer waits.
    const page = await waitingPage(errorUrl);
    assert.ok(page.body.includes("Biology 101"));
    assert.equal(await creates(), before, "no create for a waiting viewer");
    await teacherJoins("wait-room-ended");
    const entry = await http.fetch(`${worker.origin}${page.path}`);
    assert.equal(entry.status, 302);
    assert.match(entry.headers.location, /role=VIEWER/);
  });
});

describe("the wait ticket", () => {
  test("tampered, or another ticket, is refused; after the start it still gives only a viewer join", async () => {
    const page = await waitingPage(link(student("wait-room-ticket", { sub: "student-7" })));
    const sealed = page.path.split("/").pop();
    const [payload, tag] = sealed.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    assert.equal(claims.participant.role, "viewer");
    const forgeries = {
      "a changed tag": `${payload}.${tag.slice(0, -2)}AA`,
      "a moderator": `${b64url(JSON.stringify({ ...claims, participant: { ...claims.participant, role: "moderator" } }))}.${tag}`,
      "another meeting": `${b64url(JSON.stringify({ ...claims, participant: { ...claims.participant, meeting: "other-room" } }))}.${tag}`,
      "no tag": payload,
    };
    const moderatorJoin = await teacherJoins("wait-room-ticket");
    // The recovery ticket in the join URL's errorRedirectUrl is not a wait ticket.
    const recovery = new URL(moderatorJoin.headers.location).searchParams.get("errorRedirectUrl").split("/").pop();
    forgeries["a recovery ticket"] = recovery;
    for (const [what, forged] of Object.entries(forgeries)) {
      const response = await http.fetch(`${worker.origin}/join/wait/${forged}`, { headers: { accept: "text/html" } });
      assert.equal(response.status, 401, what);
      assert.match(response.body, /token_invalid/, what);
      assert.ok(!response.headers.location, what);
      const socket = new WebSocket(`${worker.origin.replace("http", "ws")}/join/wait/${forged}/socket`);
      const status = await new Promise((done) => {
        socket.on("unexpected-response", (_, res) => done(res.statusCode));
        socket.on("open", () => done(101));
        socket.on("error", () => done("error"));
      });
      assert.equal(status, 401, `socket with ${what}`);
    }
    const entry = await http.fetch(`${worker.origin}${page.path}`);
    assert.equal(entry.status, 302);
    signedUrls.push(entry.headers.location);
    const joinUrl = new URL(entry.headers.location);
    assert.equal(joinUrl.searchParams.get("role"), "VIEWER");
    assert.equal(joinUrl.searchParams.get("userID"), "student-7");
    assert.equal(joinUrl.searchParams.get("meetingID"), "wait-room-ticket");
  });

  test("one viewer's pages are capped: a fifth page's socket closes the oldest", async () => {
    const page = await waitingPage(link(student("wait-room-tabs", { sub: "tabby" })));
    const url = `${worker.origin.replace("http", "ws")}${page.socket}`;
    const sockets = [];
    for (let i = 0; i < 6; i++) {
      const socket = new WebSocket(url);
      socket.closedWith = new Promise((done) => socket.on("close", (code) => done(code)));
      socket.messages = [];
      socket.on("message", (data) => socket.messages.push(String(data)));
      await new Promise((opened, failed) => { socket.on("open", opened); socket.on("error", failed); });
      sockets.push(socket);
    }
    assert.deepEqual(await Promise.all(sockets.slice(0, 2).map((s) => s.closedWith)), [4000, 4000], "the two oldest made way");
    await teacherJoins("wait-room-tabs");
    assert.deepEqual(await Promise.all(sockets.slice(2).map((s) => s.closedWith)), [1000, 1000, 1000, 1000]);
    assert.ok(sockets.slice(2).every((s) => s.messages.length === 1 && JSON.parse(s.messages[0]).go));
    assert.ok(sockets.slice(0, 2).every((s) => s.messages.length === 0));
  });

  test("the socket path takes only a WebSocket", async () => {
    const page = await waitingPage(link(student("wait-room-plain-get")));
    const response = await http.fetch(`${worker.origin}${page.socket}`);
    assert.equal(response.status, 400);
    assert.equal(JSON.parse(response.body).error, "invalid_request");
  });
});

describe("a hundred waiting sockets on one meeting", () => {
  test("are all released by one start, each into its own viewer join, and the object holds none after", async () => {
    const meeting = "wait-room-hundred";
    const pages = [];
    for (let i = 0; i < 100; i++) pages.push(await waitingPage(link(student(meeting, { sub: `s-${i}`, name: `Student ${i}` }))));
    const sockets = await Promise.all(pages.map((page) => new Promise((opened, failed) => {
      const socket = new WebSocket(`${worker.origin.replace("http", "ws")}${page.socket}`);
      socket.messages = [];
      socket.closed = new Promise((done) => socket.on("close", (code) => done(code)));
      socket.on("message", (data) => socket.messages.push({ at: Date.now(), data: String(data) }));
      socket.on("open", () => opened(socket));
      socket.on("error", failed);
    })));
    const before = await creates();
    const started = Date.now();
    await teacherJoins(meeting);
    const codes = await Promise.all(sockets.map((socket) => socket.closed));
    const latest = Math.max(...sockets.map((socket) => socket.messages[0]?.at ?? Infinity)) - started;
    console.log(`waiting room: 100 sockets released, the last told ${latest} ms after the teacher's join answered`);
    assert.ok(latest < 2000, `${latest} ms`);
    assert.ok(codes.every((code) => code === 1000), JSON.stringify(codes));
    assert.equal(await creates(), before + 1);
    for (const [i, socket] of sockets.entries()) {
      assert.equal(socket.messages.length, 1);
      const { go } = JSON.parse(socket.messages[0].data);
      assert.match(go, /^\/join\/wait\/[^/]+$/, "a path on the worker, not a signed URL");
      const entry = await http.fetch(`${worker.origin}${go}`);
      assert.equal(entry.status, 302);
      signedUrls.push(entry.headers.location);
      const joinUrl = new URL(entry.headers.location);
      assert.equal(joinUrl.searchParams.get("role"), "VIEWER");
      assert.equal(joinUrl.searchParams.get("userID"), `s-${i}`);
    }
    const released = worker.logs().filter((line) => line.note === "waiters_released" && line.meeting === meeting);
    assert.equal(released.length, 1);
    assert.equal(released[0].released, 100);
    console.log(`waiting room: the meeting's object used ${released[0].memory_bytes} bytes of wasm memory at the release`);
    let waiting;
    for (let i = 0; i < 20; i++) {
      waiting = (await api(worker, `meetings/${meeting}`)).body.waiting;
      if (waiting === 0) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.equal(waiting, 0, "no socket is held after the release");
  });
});

describe("WAIT_FOR_MODERATOR and WAIT_MAX_SECONDS", () => {
  test("viewers wait by default; a token can say otherwise", async () => {
    const page = await waitingPage(link({ meeting: "default-room", name: "Default Viewer" }, waitingWorker));
    assert.ok(page.body.includes("default-room"), "the meeting id is its name when the token gives none");
    const direct = await http.fetch(link({ meeting: "default-room-2", name: "V", wait_for_moderator: false }, waitingWorker));
    assert.equal(direct.status, 302);
  });

  test("after the maximum the page says so and offers to keep waiting, with and without JavaScript", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(link({ meeting: "long-room", name: "Patient Student", meeting_name: "Chemistry" }, waitingWorker));
    const first = page.url();
    await page.waitForSelector("main.long", { timeout: 10_000 });
    assert.equal(await page.textContent("a.button"), "Keep waiting");
    assert.ok(await page.isVisible("a.button"));
    assert.match(await page.textContent("main"), /waiting for more than \d+ minutes/);
    await page.screenshot({ path: join(ARTIFACTS, "waiting-too-long.png"), fullPage: true });
    await page.click("a.button");
    await page.waitForURL((url) => url.href !== first && !url.pathname.endsWith("/again"));
    assert.equal(await page.$("main.long"), null, "the wait started again");
    await page.close();

    const plain = await waitingPage(link({ meeting: "long-room", name: "Plain" }, waitingWorker));
    assert.match(plain.body, /http-equiv="refresh"/);
    await new Promise((ok) => setTimeout(ok, 6000));
    const later = await http.fetch(`${waitingWorker.origin}${plain.path}`, { headers: { accept: "text/html" } });
    assert.equal(later.status, 200);
    assert.doesNotMatch(later.body, /http-equiv="refresh"/, "no more refreshing");
    assert.match(later.body, /<main class="long"/);
    assert.match(later.body, /href="\/join\/wait\/[^"]+\/again"/);
  });
});

test("no secret, token, checksum or signed URL in any body, header or log line", async () => {
  await new Promise((ok) => setTimeout(ok, 300));
  assertNothingLeaks({
    records: http.seen,
    lines: [...worker.lines, ...waitingWorker.lines],
    secrets: [BBB_SECRET, JWT_SECRET],
    tokens,
    signedUrls,
  });
});
