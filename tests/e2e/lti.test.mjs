// LTI 1.3 end to end (CONTRACT §10): an LTI platform that neither bbb-edge nor its tests wrote
// (lti1p3platform from PyPI, adapted to http.server in tests/support/lti-platform) launches the
// worker in workerd, which joins the simulator. The platform starts the OIDC login, answers the
// worker's authentication request with its auto-posting form and signs the id_token; refusals the
// platform would never produce (a foreign key, `alg: none`, an old token) are signed here with the
// platform's key or another one. Every refusal is checked to make no BBB call.
import assert from "node:assert/strict";
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { launchBrowser } from "../support/browser.mjs";
import { Recorder, ROOT, freePort, startLtiPlatform, startSimulator, startWorker } from "../support/harness.mjs";
import { b64url } from "../support/jwt.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const ARTIFACTS = join(ROOT, "tests/artifacts/lti");
const LIS = "http://purl.imsglobal.org/vocab/lis/v2";
const CLAIM = "https://purl.imsglobal.org/spec/lti/claim/";

let sim;
let platform;
let worker;
let browser;
const http = new Recorder();
const signedUrls = [];
const idTokens = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ secret: BBB_SECRET });
  const port = await freePort();
  platform = await startLtiPlatform({ tool: `http://127.0.0.1:${port}` });
  const settings = {
    BBB_URL: sim.url, BBB_SECRET, JWT_ISSUER: "unused-host", JWT_AUDIENCE: "edge", JWT_SECRET: randomBytes(32).toString("hex"),
    LTI_PLATFORMS: `'${JSON.stringify([platform.entry])}'`,
  };
  worker = await startWorker(settings, { port });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  worker?.stop();
  platform?.stop();
  sim?.stop();
});

const bbbCalls = async () => (await sim.requests()).length;
const expectedMeeting = (context, link, deployment = platform.deploymentId) =>
  `lti-${createHash("sha256").update(`${platform.issuer}\n${deployment}\n${context}\n${link}`).digest("hex").slice(0, 32)}`;

/** A course link clicked: the platform's login initiation, the worker's login (up to the platform's auth endpoint). */
async function login(params) {
  const start = await fetch(`${platform.issuer}/launch?${new URLSearchParams(params)}`, { redirect: "manual" });
  assert.equal(start.status, 302);
  const toWorker = start.headers.get("location");
  assert.ok(toWorker.startsWith(`${worker.origin}/lti/login?`), toWorker);
  const answer = await http.fetch(toWorker, { headers: { accept: "text/html" } });
  const auth = answer.headers.location ? new URL(answer.headers.location) : null;
  const cookie = answer.headers["set-cookie"];
  return { answer, auth, cookie, state: auth?.searchParams.get("state"), nonce: auth?.searchParams.get("nonce") };
}

/** The platform's answer to the worker's authentication request: its form, with the id_token. */
async function authorize(auth) {
  const form = await (await fetch(auth)).text();
  const field = (name) => form.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
  assert.ok(form.includes(`action="${worker.origin}/lti/launch"`), form.slice(0, 300));
  return { idToken: field("id_token"), state: field("state") };
}

/** The form post to the worker's launch, as the browser makes it (with the login's cookie, unless `cookie` says otherwise). */
async function launch({ idToken, state, cookie }) {
  idTokens.push(idToken);
  const headers = { accept: "text/html", "content-type": "application/x-www-form-urlencoded" };
  if (cookie) headers.cookie = cookie.split(";")[0];
  const response = await http.fetch(`${worker.origin}/lti/launch`, { method: "POST", headers, body: new URLSearchParams({ id_token: idToken, state }).toString() });
  if (response.status === 302) signedUrls.push(response.headers.location);
  return response;
}

/** A whole launch through the platform. */
async function fullLaunch(params) {
  const started = await login(params);
  assert.equal(started.answer.status, 302, started.answer.body.slice(0, 400));
  const form = await authorize(started.auth);
  return { ...started, ...form, response: await launch({ ...form, cookie: started.cookie }) };
}

/** An id_token the platform would not make: signed here with `key` (the platform's by default). */
function forge(claims, { key = platform.privateKey, alg = "RS256", kid = platform.kid } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const body = {
    iss: platform.issuer, aud: platform.clientId, azp: platform.clientId, sub: "forged-user", iat: now, exp: now + 300,
    [`${CLAIM}message_type`]: "LtiResourceLinkRequest", [`${CLAIM}version`]: "1.3.0",
    [`${CLAIM}deployment_id`]: platform.deploymentId, [`${CLAIM}resource_link`]: { id: "forged-link" },
    [`${CLAIM}roles`]: [`${LIS}/membership#Instructor`], ...claims,
  };
  const input = `${b64url(JSON.stringify({ alg, kid, typ: "JWT" }))}.${b64url(JSON.stringify(body))}`;
  const signature = alg === "none" ? "" : createSign("RSA-SHA256").update(input).sign(key).toString("base64url");
  return `${input}.${signature}`;
}

const lastCreate = (creates) => new Map(creates.at(-1).params);
const joinParams = (response) => new URL(response.headers.location).searchParams;

describe("launches", () => {
  test("an Instructor is a MODERATOR and a Learner a VIEWER of the same meeting, named after the link", async () => {
    const link = { link: "res-42", title: "Weekly seminar", context: "course-7", context_title: "Biology 101" };
    const teacher = await fullLaunch({ user: "t-1", name: "Ada Teacher", roles: `${LIS}/membership#Instructor`, ...link });
    assert.equal(teacher.response.status, 302, teacher.response.body.slice(0, 400));
    const t = joinParams(teacher.response);
    assert.equal(t.get("role"), "MODERATOR");
    assert.equal(t.get("meetingID"), expectedMeeting("course-7", "res-42"));
    assert.equal((t.get("fullName")), "Ada Teacher");
    assert.equal(t.get("userID"), "t-1");
    const student = await fullLaunch({ user: "s-1", name: "Sam Student", roles: `${LIS}/membership#Learner`, ...link });
    const s = joinParams(student.response);
    assert.equal(s.get("role"), "VIEWER");
    assert.equal(s.get("meetingID"), t.get("meetingID"));
    const create = lastCreate(await sim.requests("create"));
    assert.equal(create.get("meetingID"), t.get("meetingID"));
    assert.equal(create.get("name"), "Weekly seminar");
  });

  test("short role forms, the context's title when the link has none, and given and family names", async () => {
    const launched = await fullLaunch({ user: "t-2", roles: "Instructor", link: "res-43", context: "course-8", context_title: "Chemistry",
      extra: JSON.stringify({ given_name: "Grace", family_name: "Hopper" }) });
    const p = joinParams(launched.response);
    assert.equal(p.get("role"), "MODERATOR");
    assert.equal(p.get("fullName"), "Grace Hopper");
    const create = lastCreate(await sim.requests("create"));
    assert.equal(create.get("meetingID"), expectedMeeting("course-8", "res-43"));
    assert.equal(create.get("name"), "Chemistry");
    const other = await fullLaunch({ user: "s-9", name: "X", roles: "Learner,Mentor", link: "res-43", context: "course-8" });
    assert.equal(joinParams(other.response).get("role"), "VIEWER");
  });

  test("/healthz counts the registered LMSs, naming none", async () => {
    const health = await (await fetch(`${worker.origin}/healthz`)).json();
    assert.deepEqual(health.lti, { platforms: 1 });
    assert.ok(!JSON.stringify(health).includes(platform.issuer));
  });

  test("the login's cookie: Secure, HttpOnly, SameSite=None, Partitioned, and spent by the launch", async () => {
    const launched = await fullLaunch({ user: "t-3", name: "C", roles: "Instructor", link: "res-44" });
    const attributes = launched.cookie.split(";").map((a) => a.trim());
    for (const attribute of ["Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/lti/"]) {
      assert.ok(attributes.includes(attribute), `${attribute} in ${launched.cookie}`);
    }
    assert.match(launched.response.headers["set-cookie"], /Max-Age=0/);
    // Every parameter the contract names went to the platform's auth endpoint.
    const auth = launched.auth.searchParams;
    for (const [name, value] of [["scope", "openid"], ["response_type", "id_token"], ["response_mode", "form_post"], ["prompt", "none"],
      ["client_id", platform.clientId], ["redirect_uri", `${worker.origin}/lti/launch`], ["login_hint", "t-3"]]) {
      assert.equal(auth.get(name), value, name);
    }
    assert.ok(auth.get("lti_message_hint") && auth.get("nonce") && auth.get("state"));
  });

  test("in Chromium: the course link, the platform's auth page, its auto-post, the meeting", async () => {
    const page = await browser.newPage();
    const visited = [];
    page.on("framenavigated", (frame) => visited.push(new URL(frame.url()).origin + new URL(frame.url()).pathname));
    const params = new URLSearchParams({ user: "t-chromium", name: "Chromium Teacher", roles: `${LIS}/membership#Instructor`, link: "res-50", title: "Browser class" });
    await page.goto(`${platform.issuer}/launch?${params}`);
    await page.waitForURL(/\/client\/BigBlueButton\.html/);
    assert.equal(await page.textContent('[data-testid="role"]'), "MODERATOR");
    assert.equal(await page.textContent('[data-testid="meeting-name"]'), "Browser class");
    assert.ok(visited.includes(`${platform.issuer}/auth`), visited.join(" "));
    await page.screenshot({ path: join(ARTIFACTS, "lti-launch.png") });
    await page.close();
  });
});

describe("refusals, each without a BBB call", () => {
  test("in Chromium: a course whose deployment is not registered gets a page that says what to register", async () => {
    const before = await bbbCalls();
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    const params = new URLSearchParams({ user: "t-x", roles: "Instructor", link: "res-70", deployment: "course-deployment-42" });
    const response = await page.goto(`${platform.issuer}/launch?${params}`);
    assert.equal(response.status(), 400);
    assert.equal(await page.textContent("h1"), "This service is not configured");
    assert.match(await page.textContent("main"), /deployment id "course-deployment-42"/);
    assert.match(await page.textContent("main"), /claim_invalid/);
    await page.screenshot({ path: join(ARTIFACTS, "lti-unknown-deployment.png"), fullPage: true });
    await page.close();
    assert.equal(await bbbCalls(), before);
  });

  async function refused(what, response, status, code) {
    assert.equal(response.status, status, `${what}: ${response.body.slice(0, 300)}`);
    assert.match(response.body, new RegExp(code), what);
    assert.match(response.body, /<html lang=/, `${what}: a page`);
  }

  test("at login: an unknown issuer, an unknown client, an unknown deployment", async () => {
    const before = await bbbCalls();
    const at = (params) => http.fetch(`${worker.origin}/lti/login?${new URLSearchParams(params)}`, { headers: { accept: "text/html" } });
    const base = { iss: platform.issuer, login_hint: "u", target_link_uri: `${worker.origin}/lti/launch`, client_id: platform.clientId };
    const unknown = await at({ ...base, iss: "https://other-lms.example" });
    await refused("unknown issuer", unknown, 400, "invalid_request");
    assert.match(unknown.body, /other-lms\.example/);
    await refused("unknown client", await at({ ...base, client_id: "someone-else" }), 400, "invalid_request");
    const deployment = await login({ user: "u", roles: "Learner", link: "x", deployment: "99" });
    await refused("unknown deployment", deployment.answer, 400, "claim_invalid");
    assert.match(deployment.answer.body, /deployment id &quot;99&quot;/);
    assert.equal(await bbbCalls(), before);
  });

  test("at launch: what the platform signs wrongly", async () => {
    const before = await bbbCalls();
    const cases = [
      ["another message type", { [`${CLAIM}message_type`]: "LtiDeepLinkingRequest" }, 400, "claim_invalid"],
      ["another version", { [`${CLAIM}version`]: "1.1.0" }, 400, "claim_invalid"],
      ["aud without the client", { aud: "someone-else" }, 401, "audience_mismatch"],
      ["several aud without azp", { aud: [platform.clientId, "another-tool"], azp: null }, 400, "claim_invalid"],
    ];
    for (const [what, extra, status, code] of cases) {
      const launched = await fullLaunch({ user: "u", roles: "Instructor", link: "res-60", extra: JSON.stringify(extra) });
      await refused(what, launched.response, status, code);
    }
    assert.equal(await bbbCalls(), before);
  });

  test("at launch: nonce, state, cookie, deployment, expiry, keys and alg none", async () => {
    const before = await bbbCalls();
    const started = async () => {
      const s = await login({ user: "u", roles: "Instructor", link: "res-61" });
      return { ...s, form: await authorize(s.auth) };
    };
    const a = await started();
    const b = await started();
    const now = Math.floor(Date.now() / 1000);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const cases = [
      ["a nonce of another login", { idToken: forge({ nonce: b.nonce }), state: a.state, cookie: a.cookie }, 401, "token_invalid"],
      ["the state of another login", { idToken: a.form.idToken, state: b.state, cookie: b.cookie }, 401, "token_invalid"],
      ["no cookie", { ...a.form, cookie: undefined }, 400, "invalid_request"],
      ["another launch's cookie", { ...a.form, cookie: b.cookie }, 400, "invalid_request"],
      ["an unknown deployment", { idToken: forge({ nonce: a.nonce, [`${CLAIM}deployment_id`]: "77" }), state: a.state, cookie: a.cookie }, 400, "claim_invalid"],
      ["expired", { idToken: forge({ nonce: a.nonce, iat: now - 1200, exp: now - 600 }), state: a.state, cookie: a.cookie }, 401, "token_expired"],
      ["signed by a key not in the JWKS", { idToken: forge({ nonce: a.nonce }, { key: other }), state: a.state, cookie: a.cookie }, 401, "token_invalid"],
      ["alg none", { idToken: forge({ nonce: a.nonce }, { alg: "none" }), state: a.state, cookie: a.cookie }, 401, "algorithm_not_allowed"],
      ["a tampered state", { ...a.form, state: `${a.state.slice(0, -3)}AAA`, cookie: a.cookie }, 400, "invalid_request"],
    ];
    for (const [what, form, status, code] of cases) await refused(what, await launch(form), status, code);
    assert.match((await launch({ idToken: forge({ nonce: a.nonce, [`${CLAIM}deployment_id`]: "77" }), state: a.state, cookie: a.cookie })).body, /deployment id &quot;77&quot;/);
    assert.equal(await bbbCalls(), before);
    // The untouched launch still works once…
    const good = await launch({ ...a.form, cookie: a.cookie });
    assert.equal(good.status, 302, good.body.slice(0, 300));
    // …and its nonce never again.
    const calls = await bbbCalls();
    await refused("a nonce used before", await launch({ ...a.form, cookie: a.cookie }), 401, "token_replayed");
    assert.equal(await bbbCalls(), calls);
  });
});

describe("inside the LMS's iframe, with third-party cookies blocked", () => {
  // Another site for the tool (localhost, the platform being 127.0.0.1), so the frame is
  // cross-site; WAIT_FOR_MODERATOR, so a student's launch shows the waiting page in the frame.
  let framed;
  let framedPlatform;
  let blocking;

  before(async () => {
    const port = await freePort();
    const tool = `http://localhost:${port}`;
    framedPlatform = await startLtiPlatform({ tool });
    framed = await startWorker({
      BBB_URL: sim.url, BBB_SECRET, JWT_ISSUER: "unused-host", JWT_AUDIENCE: "edge", JWT_SECRET: randomBytes(32).toString("hex"),
      LTI_PLATFORMS: `'${JSON.stringify([framedPlatform.entry])}'`, WAIT_FOR_MODERATOR: "true", PUBLIC_URL: tool,
    }, { port });
    blocking = await launchBrowser(["--test-third-party-cookie-phaseout"]);
  });

  after(async () => {
    await blocking?.close();
    framed?.stop();
    framedPlatform?.stop();
  });

  test("a student waits in the frame and goes in when the teacher starts; the teacher's launch works framed too", async () => {
    const page = await blocking.newPage({ viewport: { width: 1000, height: 760 } });
    const course = (params) => `${framedPlatform.issuer}/course?${new URLSearchParams({ link: "res-frame", title: "Framed class", ...params })}`;
    await page.goto(course({ user: "s-frame", name: "Framed Student", roles: "Learner" }));
    const tool = page.frameLocator("#tool");
    await tool.locator("h1").waitFor();
    assert.equal(await tool.locator("h1").textContent(), "Framed class");
    assert.match(await tool.locator("main").textContent(), /Waiting as Framed Student/);
    await page.screenshot({ path: join(ARTIFACTS, "lti-waiting-in-iframe.png") });
    const teacher = await blocking.newPage();
    await teacher.goto(course({ user: "t-frame", name: "Framed Teacher", roles: "Instructor" }));
    const teacherTool = teacher.frameLocator("#tool");
    await teacherTool.locator('[data-testid="role"]').waitFor();
    assert.equal(await teacherTool.locator('[data-testid="role"]').textContent(), "MODERATOR");
    await tool.locator('[data-testid="role"]').waitFor({ timeout: 5000 });
    assert.equal(await tool.locator('[data-testid="role"]').textContent(), "VIEWER");
    assert.equal(await tool.locator('[data-testid="full-name"]').textContent(), "Framed Student");
    await page.screenshot({ path: join(ARTIFACTS, "lti-in-iframe.png") });
    await teacher.close();
    await page.close();
  });

  test("pages of a launch may be framed by the registered LMS only", async () => {
    const refused = await fetch(`${framed.origin}/lti/login?iss=https%3A%2F%2Fnobody.example&login_hint=u`, { headers: { accept: "text/html" } });
    assert.match(refused.headers.get("content-security-policy"), new RegExp(`frame-ancestors ${framedPlatform.issuer}($|;)`));
    const other = await fetch(`${framed.origin}/left`);
    assert.match(other.headers.get("content-security-policy"), /frame-ancestors 'none'/);
  });
});

test("no secret, checksum or signed URL in any body, header or log line", async () => {
  await new Promise((ok) => setTimeout(ok, 300));
  assertNothingLeaks({ records: http.seen, lines: worker.lines, secrets: [BBB_SECRET], tokens: idTokens, signedUrls });
});
