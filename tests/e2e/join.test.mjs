// The join flow end to end: the built worker in workerd (wrangler dev) against the BBB simulator.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign, b64url } from "../support/jwt.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const ISSUER = "https://lms.test";
const AUDIENCE = "bbb-edge-e2e";

let sim;
let worker;
const http = new Recorder();
const tokens = [];
const signedUrls = [];

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET });
  worker = await startWorker({
    BBB_URL: sim.url,
    BBB_SECRET,
    JWT_SECRET,
    JWT_ISSUER: `${ISSUER},https://other-lms.test`,
    JWT_AUDIENCE: AUDIENCE,
    JWT_ALGORITHMS: "HS256,HS512",
    MODERATOR_ROLES: "Instructor,Teacher",
    BBB_TIMEOUT_MS: "1000",
    LOGOUT_URL: "https://lms.test/course",
  });
});

after(() => {
  worker?.stop();
  sim?.stop();
});

function meetingId() {
  return `room-${randomUUID().slice(0, 8)}`;
}

function token(claims = {}, options = {}) {
  const value = sign(joinClaims({ issuer: ISSUER, audience: AUDIENCE, meeting: meetingId(), name: "Ada Lovelace", ...claims }), JWT_SECRET, options);
  tokens.push(value);
  return value;
}

async function join(value, init = {}) {
  const response = await http.fetch(`${worker.origin}/join?token=${encodeURIComponent(value)}`, init);
  if (response.headers.location) signedUrls.push(response.headers.location);
  return response;
}

/** Follows the worker's redirect into the simulator, and the simulator's into its client page. */
async function followToClient(location) {
  const bbb = await fetch(location, { redirect: "manual" });
  assert.equal(bbb.status, 302, `BBB refused the join: ${bbb.headers.get("location")}`);
  const page = await fetch(bbb.headers.get("location"));
  const html = await page.text();
  const field = (name) => {
    const match = html.match(new RegExp(`data-testid="${name}">([^<]*)<`));
    return match && match[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  };
  return { status: page.status, role: field("role"), name: field("full-name"), meeting: field("meeting-id"), clientUrl: bbb.headers.get("location") };
}

describe("joins", () => {
  test("a viewer is redirected to a signed join URL and lands in the meeting", async () => {
    const meeting = meetingId();
    const response = await join(token({ meeting, name: "Grace Hopper" }));
    assert.equal(response.status, 302);
    assert.ok(response.headers.location.startsWith(`${sim.url}api/join?`), response.headers.location);
    assert.equal(response.headers["cache-control"], "no-store");
    assert.equal(response.headers["referrer-policy"], "no-referrer");
    assert.equal(response.body, "");
    const params = new URL(response.headers.location).searchParams;
    assert.deepEqual([...params.keys()], ["fullName", "meetingID", "role", "userID", "createTime", "redirect", "errorRedirectUrl", "checksum"]);
    // The recovery ticket rides in the path: BBB appends ?errors= and would mangle a query.
    assert.match(params.get("errorRedirectUrl"), new RegExp(`^${worker.origin}/join/error/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));

    const client = await followToClient(response.headers.location);
    assert.deepEqual([client.status, client.role, client.name, client.meeting], [200, "VIEWER", "Grace Hopper", meeting]);

    const [create] = await sim.requests("create").then((list) => list.filter((r) => r.params.some(([k, v]) => k === "meetingID" && v === meeting)));
    assert.ok(create.checksum_ok);
    const sent = Object.fromEntries(create.params);
    assert.ok(!("attendeePW" in sent) && !("moderatorPW" in sent), "no passwords");
    assert.ok(sent.meetingEndedURL.startsWith(`${worker.origin}/callbacks/meeting-ended/`));
    assert.equal(sent["meta_bbb-recording-ready-url"], `${worker.origin}/callbacks/recording-ready`);
    assert.equal(sent.logoutURL, "https://lms.test/course");
  });

  test("moderators come only from signed claims, matched exactly", async () => {
    const cases = [
      [{ roles: ["Instructor"] }, "MODERATOR"],
      [{ roles: ["Learner", "Teacher"] }, "MODERATOR"],
      [{ role: "moderator" }, "MODERATOR"],
      [{ roles: ["instructor"] }, "VIEWER"],
      [{ roles: ["Instructor "] }, "VIEWER"],
      [{ roles: ["NotInstructor"] }, "VIEWER"],
      [{ roles: ["Instructor"], role: "viewer" }, "VIEWER"],
      [{}, "VIEWER"],
    ];
    for (const [claims, expected] of cases) {
      const response = await join(token(claims));
      assert.equal(response.status, 302, JSON.stringify(claims));
      assert.equal(new URL(response.headers.location).searchParams.get("role"), expected, JSON.stringify(claims));
    }
    // Nothing outside the token can raise a role.
    const value = token({});
    const response = await http.fetch(`${worker.origin}/join?token=${encodeURIComponent(value)}&role=moderator&roles=Instructor`, { redirect: "manual" });
    signedUrls.push(response.headers.location);
    assert.equal(new URL(response.headers.location).searchParams.get("role"), "VIEWER");
  });

  test("a display name with emoji and & + % = ; # ' * ~ arrives intact", async () => {
    const name = "Zoë & Bob+ 100% =;#'*~ 🎉";
    const response = await join(token({ name, roles: ["Instructor"] }));
    assert.equal(response.status, 302);
    const client = await followToClient(response.headers.location);
    assert.equal(client.name, name);
    assert.equal(client.role, "MODERATOR");
  });

  test("POST /join with a form answers 303 to the same kind of URL", async () => {
    const value = token({ name: "Posted" });
    const response = await http.fetch(`${worker.origin}/join`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: value }),
    });
    signedUrls.push(response.headers.location);
    assert.equal(response.status, 303);
    assert.equal(response.headers["cache-control"], "no-store");
    assert.equal(response.headers["referrer-policy"], "no-referrer");
    const client = await followToClient(response.headers.location);
    assert.equal(client.name, "Posted");

    // Forms posted as multipart/form-data work too.
    const form = new FormData();
    form.append("token", token({ name: "Multipart" }));
    const multipart = await http.fetch(`${worker.origin}/join`, { method: "POST", body: form });
    signedUrls.push(multipart.headers.location);
    assert.equal(multipart.status, 303, multipart.body);
    assert.equal((await followToClient(multipart.headers.location)).name, "Multipart");

    const json = await http.fetch(`${worker.origin}/join`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: value }) });
    assert.equal(json.status, 400);
    assert.equal(JSON.parse(json.body).error, "token_missing");
  });

  test("a meeting that is running is joined, not re-created", async () => {
    const meeting = meetingId();
    const first = await join(token({ meeting, name: "First" }));
    await followToClient(first.headers.location);
    const second = await join(token({ meeting, name: "Second" }));
    const time = (r) => new URL(r.headers.location).searchParams.get("createTime");
    assert.equal(time(second), time(first));
    assert.equal((await followToClient(second.headers.location)).name, "Second");
  });
});

describe("token failures", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases = [
    ["no token", () => "", 400, "token_missing"],
    ["not a JWS", () => "not-a-token", 401, "token_invalid"],
    ["wrong key", () => sign(joinClaims({ issuer: ISSUER, audience: AUDIENCE, meeting: "m-1", name: "x" }), "wrong-key"), 401, "token_invalid"],
    ["tampered payload", () => {
      const [h, , s] = token().split(".");
      return `${h}.${b64url(JSON.stringify(joinClaims({ issuer: ISSUER, audience: AUDIENCE, meeting: "m-1", name: "x", role: "moderator" })))}.${s}`;
    }, 401, "token_invalid"],
    ["alg none", () => token({}, { alg: "none" }), 401, "algorithm_not_allowed"],
    ["HS384 not in the allow-list", () => token({}, { alg: "HS384" }), 401, "algorithm_not_allowed"],
    ["RS256 header (algorithm confusion)", () => token({}, { alg: "RS256" }), 401, "algorithm_not_allowed"],
    ["expired", () => token({ iat: now() - 200, exp: now() - 60 }), 401, "token_expired"],
    ["not yet valid (nbf)", () => token({ nbf: now() + 120 }), 401, "token_not_yet_valid"],
    ["issued in the future", () => token({ iat: now() + 120, exp: now() + 200 }), 401, "token_not_yet_valid"],
    ["too long-lived", () => token({ iat: now(), exp: now() + 3600 }), 401, "token_too_long_lived"],
    ["wrong issuer", () => token({ iss: "https://lms.test/" }), 401, "issuer_mismatch"],
    ["wrong audience", () => token({ aud: "someone-else" }), 401, "audience_mismatch"],
    ["no audience", () => token({ aud: undefined }), 400, "claim_invalid"],
    ["no exp", () => token({ exp: undefined }), 400, "claim_invalid"],
    ["no sub", () => token({ sub: "" }), 400, "claim_invalid"],
    ["meeting id with a comma", () => token({ meeting: "a,b" }), 400, "claim_invalid"],
    ["avatar over http", () => token({ avatar_url: "http://cdn.test/a.png" }), 400, "claim_invalid"],
    ["avatar with userinfo", () => token({ avatar_url: "https://cdn.test@evil.test/a.png" }), 400, "claim_invalid"],
    ["avatar with a fragment", () => token({ avatar_url: "https://cdn.test/a.png#x" }), 400, "claim_invalid"],
    ["avatar that is not a URL", () => token({ avatar_url: "https://" }), 400, "claim_invalid"],
    ["crit naming an extension", () => token({}, { header: { crit: ["x-ext"], "x-ext": true } }), 401, "token_invalid"],
    ["crit, empty", () => token({}, { header: { crit: [] } }), 401, "token_invalid"],
    ["role with a capital", () => token({ role: "Moderator" }), 400, "claim_invalid"],
    ["create param outside the allow-list", () => token({ create: { moderatorPW: "x" } }), 400, "create_param_not_allowed"],
    ["reserved meta name", () => token({ create: { meta: { "BBB-Recording-Ready-Url": "https://evil.test" } } }), 400, "create_param_not_allowed"],
    ["scope without join", () => token({ scope: "api" }), 403, "scope_missing"],
  ];
  for (const [label, make, status, code] of cases) {
    test(label, async () => {
      const before = (await sim.requests("create")).length;
      const response = await join(make());
      assert.equal(response.status, status, response.body);
      const body = JSON.parse(response.body);
      assert.equal(body.error, code);
      assert.ok(body.message.length > 10);
      assert.equal(response.headers["cache-control"], "no-store");
      assert.equal((await sim.requests("create")).length, before, "a refused token never reaches BBB");
    });
  }

  test("browsers get an HTML page with the code", async () => {
    const response = await join(token({ aud: "someone-else" }), { headers: { accept: "text/html,application/xhtml+xml" } });
    assert.equal(response.status, 401);
    assert.match(response.headers["content-type"], /^text\/html/);
    assert.match(response.headers["content-security-policy"], /default-src 'none'/);
    assert.match(response.body, /audience_mismatch/);
    assert.match(response.body, /href="https:\/\/lms.test\/course"/);
  });

  test("HS512 tokens verify when allowed", async () => {
    assert.equal((await join(token({}, { alg: "HS512" }))).status, 302);
  });
});

describe("BBB refusing the join: /join/error", () => {
  test("a refusal that is not about a stale meeting lands on a clear page, below 500", async () => {
    const meeting = meetingId();
    const first = await join(token({ meeting, create: { maxParticipants: 1 } }));
    await followToClient(first.headers.location);
    const second = await join(token({ meeting, name: "One too many" }));

    const bbb = await fetch(second.headers.location, { redirect: "manual" });
    const errorUrl = bbb.headers.get("location");
    assert.ok(errorUrl.startsWith(`${worker.origin}/join/error/`) && errorUrl.includes("?errors="), errorUrl);

    const page = await http.fetch(errorUrl, { headers: { accept: "text/html" } });
    assert.equal(page.status, 403);
    assert.match(page.headers["content-type"], /^text\/html/);
    assert.match(page.body, /The meeting is full\./);
    assert.match(page.body, /maxParticipantsReached/);
    assert.match(page.body, /href="https:\/\/lms.test\/course"/);

    const json = await http.fetch(errorUrl);
    assert.equal(json.status, 403);
    const body = JSON.parse(json.body);
    assert.equal(body.error, "join_refused");
    assert.equal(body.bbb.messageKey, "maxParticipantsReached");
  });

  test("the query's free text is never shown; the worker says it in its own words", async () => {
    const bait = "Call 0800 123 to unlock";
    for (const [key, words, status] of [
      ["maxParticipantsReached", /The meeting is full\./, 403],
      ["guestDeniedAccess", /did not let you in/, 403],
      ["<b>made-up</b>", /could not let you in/, 403],
      ["checksumError", /configuration problem/, 502],
    ]) {
      const query = `errors=${encodeURIComponent(JSON.stringify([{ key, message: bait }]))}`;
      const page = await http.fetch(`${worker.origin}/join/error?${query}`, { headers: { accept: "text/html" } });
      assert.equal(page.status, status, key);
      assert.match(page.body, words, key);
      assert.ok(!page.body.includes("0800"), `${key}: the query's text is not on the page`);
      assert.ok(!page.body.includes("made-up"), `${key}: an unknown key is not echoed`);
      const json = await http.fetch(`${worker.origin}/join/error?${query}`);
      assert.equal(json.status, status);
      assert.ok(!json.body.includes("0800"), `${key}: nor in the JSON`);
    }
  });

  test("without errors it still answers a clear page", async () => {
    const page = await http.fetch(`${worker.origin}/join/error`, { headers: { accept: "text/html" } });
    assert.ok(page.status < 500);
    assert.match(page.body, /could not let you in/);
  });
});

describe("BBB faults give distinct, fast answers", () => {
  const cases = [
    ["a BBB that does not answer in time", { kind: "delay", ms: 4000 }, 504, "bbb_timeout"],
    ["HTTP 500", { kind: "status", status: 500 }, 502, "bbb_bad_response"],
    ["a dropped connection", { kind: "drop" }, 502, "bbb_unreachable"],
    ["XML that does not parse", { kind: "malformed" }, 502, "bbb_bad_response"],
    ["FAILED with a messageKey", { kind: "failed", message_key: "maxConcurrent", message: "Too many meetings" }, 502, "bbb_failed"],
  ];
  for (const [label, fault, status, code] of cases) {
    test(label, async () => {
      await sim.fault({ call: "create", times: 1, ...fault });
      const started = Date.now();
      const response = await join(token());
      const elapsed = Date.now() - started;
      assert.equal(response.status, status, response.body);
      const body = JSON.parse(response.body);
      assert.equal(body.error, code);
      if (code === "bbb_failed") assert.deepEqual(body.bbb, { messageKey: "maxConcurrent", message: "Too many meetings" });
      else assert.equal(body.bbb, undefined);
      // create gets 2 × BBB_TIMEOUT_MS (1000 ms here): never a hang.
      assert.ok(elapsed < 3500, `took ${elapsed} ms`);
      // The next join works again.
      assert.equal((await join(token())).status, 302);
    });
  }
});

describe("operations", () => {
  test("/healthz checks config and BBB", async () => {
    const response = await http.fetch(`${worker.origin}/healthz`);
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body);
    assert.equal(body.status, "ok");
    assert.equal(body.bbb.ok, true);
  });

  test("unknown routes and methods answer in the contract's format", async () => {
    const missing = await http.fetch(`${worker.origin}/nope`);
    assert.deepEqual([missing.status, JSON.parse(missing.body).error], [404, "not_found"]);
    const method = await http.fetch(`${worker.origin}/join`, { method: "PUT" });
    assert.deepEqual([method.status, JSON.parse(method.body).error], [405, "method_not_allowed"]);
    assert.equal(method.headers.allow, "GET, POST");
  });

  test("one structured log line per request", async () => {
    const meeting = meetingId();
    await join(token({ meeting, roles: ["Instructor"] }));
    await new Promise((ok) => setTimeout(ok, 300));
    const line = worker.logs().findLast((entry) => entry.meeting === meeting);
    assert.equal(line.route, "join");
    assert.equal(line.status, 302);
    assert.equal(line.outcome, "ok");
    assert.equal(line.role, "moderator");
    assert.equal(line.bbb_calls, 1);
    assert.equal(typeof line.upstream_ms, "number");
    const failed = worker.logs().filter((entry) => entry.outcome === "bbb_failed");
    assert.ok(failed.some((entry) => entry.bbb_message_key === "maxConcurrent"));
  });

  test("no secret, token, checksum or signed URL in any body, header or log line", async () => {
    await new Promise((ok) => setTimeout(ok, 300));
    assertNothingLeaks({ records: http.seen, lines: worker.lines, secrets: [BBB_SECRET, JWT_SECRET], tokens: tokens.filter((t) => t.length > 20), signedUrls: signedUrls.filter(Boolean) });
  });
});
