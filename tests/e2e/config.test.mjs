// Misconfiguration and BBB servers that cannot be used: each gets its own clear answer.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { Recorder, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";
import { assertNothingLeaks } from "../support/secrets.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const whsec = (bytes) => `whsec_${randomBytes(bytes).toString("base64")}`;
const base = { JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", JWT_SECRET };
const http = new Recorder();
const workers = {};
const sims = {};

const token = (meeting = `m-${randomBytes(4).toString("hex")}`) =>
  sign(joinClaims({ issuer: "lms", audience: "edge", meeting, name: "Ada" }), JWT_SECRET);

before(async () => {
  sims.all = await startSimulator({ secret: BBB_SECRET });
  for (const alg of ["sha1", "sha256", "sha384", "sha512"]) {
    sims[alg] = await startSimulator({ secret: BBB_SECRET, algorithms: alg });
  }
  // Below the ephemeral range, so no worker or inspector started beside it can take it (a free
  // ephemeral port was taken once by one of the ten workers started at once).
  const closedPort = 9;
  const started = await Promise.all([
    startWorker({ ...base, BBB_URL: sims.all.url, JWT_ISSUER: undefined, BBB_CHECKSUM_ALGORITHM: "md5", JWT_MAX_AGE_SECONDS: "forever" }),
    startWorker({ ...base, BBB_URL: sims.all.url, BBB_SECRET: "not-the-bbb-secret" }),
    startWorker({ ...base, BBB_URL: `http://127.0.0.1:${closedPort}/bigbluebutton/api`, BBB_SECRET }),
    ...["sha1", "sha384", "sha512"].map((alg) => startWorker({ ...base, BBB_URL: sims[alg].url, BBB_SECRET, BBB_CHECKSUM_ALGORITHM: alg })),
    startWorker({ ...base, BBB_URL: sims.sha256.url, BBB_SECRET, BBB_CHECKSUM_ALGORITHM: "sha1" }),
    // Keys, tokens and signed URLs never travel over plain http, except to loopback.
    startWorker({
      ...base, BBB_SECRET, BBB_URL: "http://bbb.example.org/bigbluebutton/", PUBLIC_URL: "http://edge.example.org",
      JWT_ALGORITHMS: "HS256,EdDSA", JWT_JWKS_URL: "http://lms.example.org/jwks.json", LOGOUT_URL: "http://lms.example.org/",
      HOST_WEBHOOK_URL: "http://lms.example.org/hooks", HOST_WEBHOOK_SECRET: whsec(32), JWT_SECRET: "abc",
    }),
    // "Loopback" is decided on the parsed URL, never on its text; no userinfo, no fragment.
    startWorker({
      ...base, BBB_SECRET, BBB_URL: "http://localhost@bbb.example.org/bigbluebutton/",
      JWT_ALGORITHMS: "HS256,EdDSA", JWT_JWKS_URL: "http://127.0.0.1.lms.example.org/jwks.json", LOGOUT_URL: '"https://lms.example.org/#top"', // quoted: an env file's # starts a comment
      HOST_WEBHOOK_URL: "https://user:pw@lms.example.org/hooks", HOST_WEBHOOK_SECRET: whsec(16), JWT_SECRET_PREVIOUS: "x".repeat(31),
    }),
    startWorker({
      ...base, BBB_SECRET, BBB_URL: sims.all.url, JWT_SECRET: "k".repeat(32), LOGOUT_URL: "http://localhost:9/left",
      HOST_WEBHOOK_URL: "http://[::1]:9/hooks", HOST_WEBHOOK_SECRET: whsec(24),
    }),
  ]);
  [workers.broken, workers.wrongSecret, workers.refused, workers.sha1, workers.sha384, workers.sha512, workers.sha1OnSha256,
    workers.insecure, workers.tricky, workers.loopback] = started;
  // A pool (CONTRACT §8) set up wrong in every way at once.
  const servers = JSON.stringify([
    { id: "bbb1", url: sims.all.url }, { id: "bbb-2", url: "https://bbb2.example.org/bigbluebutton/", checksum: "md5" },
  ]);
  workers.pool = await startWorker({ ...base, BBB_SECRET, BBB_URL: sims.all.url, BBB_SERVERS: `'${servers}'` });
  const fine = JSON.stringify([{ id: "bbb1", url: sims.all.url }, { id: "bbb-2", url: sims.sha256.url }]);
  workers.poolSecrets = await startWorker({ ...base, BBB_SERVERS: `'${fine}'`, BBB_SECRET_BBB1: BBB_SECRET });
});

after(() => {
  for (const worker of Object.values(workers)) worker.stop();
  for (const sim of Object.values(sims)) sim.stop();
});

describe("missing and invalid settings", () => {
  test("/healthz names every problem, never a value", async () => {
    const response = await http.fetch(`${workers.broken.origin}/healthz`);
    assert.equal(response.status, 503);
    const body = JSON.parse(response.body);
    assert.equal(body.config.ok, false);
    assert.deepEqual(body.config.problems.sort(), ["BBB_CHECKSUM_ALGORITHM", "BBB_SECRET", "JWT_ISSUER", "JWT_MAX_AGE_SECONDS"]);
    assert.ok(!response.body.includes("md5") && !response.body.includes("forever"));
  });

  test("plain http outside loopback, a short JWT_SECRET: each setting named", async () => {
    const response = await http.fetch(`${workers.insecure.origin}/healthz`);
    assert.equal(response.status, 503);
    assert.deepEqual(JSON.parse(response.body).config.problems.sort(),
      ["BBB_URL", "HOST_WEBHOOK_URL", "JWT_JWKS_URL", "JWT_SECRET", "LOGOUT_URL", "PUBLIC_URL"]);
    const join = await http.fetch(`${workers.insecure.origin}/join?token=${token()}`);
    assert.deepEqual([join.status, JSON.parse(join.body).error], [503, "config_missing"]);
    assert.match(JSON.parse(join.body).message, /https/);
  });

  test("userinfo, a dotted look-alike of 127.0.0.1, a fragment, a short webhook key and a short previous secret: each named", async () => {
    const response = await http.fetch(`${workers.tricky.origin}/healthz`);
    assert.equal(response.status, 503);
    assert.deepEqual(JSON.parse(response.body).config.problems.sort(),
      ["BBB_URL", "HOST_WEBHOOK_SECRET", "HOST_WEBHOOK_URL", "JWT_JWKS_URL", "JWT_SECRET_PREVIOUS", "LOGOUT_URL"]);
    assert.ok(!response.body.includes("user:pw") && !response.body.includes("localhost@"));
  });

  test("loopback hosts may use http; a 32-byte JWT_SECRET and a 24-byte webhook key are enough", async () => {
    const response = await http.fetch(`${workers.loopback.origin}/healthz`);
    const body = JSON.parse(response.body);
    assert.equal(body.config.ok, true, response.body);
    assert.equal(response.status, 200);
  });

  test("pool settings: BBB_SERVERS with BBB_URL, a bad entry, secrets per server, a callback key", async () => {
    const mixed = JSON.parse((await http.fetch(`${workers.pool.origin}/healthz`)).body);
    assert.deepEqual(mixed.config.problems.sort(), ["BBB_SECRET", "BBB_SERVERS", "BBB_URL"]);
    assert.match(mixed.config.message, /entry 2: `checksum`/);
    const secrets = await http.fetch(`${workers.poolSecrets.origin}/healthz`);
    assert.equal(secrets.status, 503);
    assert.deepEqual(JSON.parse(secrets.body).config.problems.sort(), ["BBB_SECRET_BBB_2", "CALLBACK_SECRET"]);
  });

  test("the first request gets config_missing naming the settings", async () => {
    const response = await http.fetch(`${workers.broken.origin}/join?token=${token()}`);
    assert.equal(response.status, 503);
    const body = JSON.parse(response.body);
    assert.equal(body.error, "config_missing");
    assert.match(body.message, /BBB_SECRET/);
    assert.match(body.message, /JWT_ISSUER/);
  });
});

describe("a BBB that cannot be used", () => {
  test("wrong shared secret: checksumError kept, with a hint in /healthz", async () => {
    const health = JSON.parse((await http.fetch(`${workers.wrongSecret.origin}/healthz`)).body);
    assert.equal(health.bbb.ok, false);
    assert.equal(health.bbb.messageKey, "checksumError");
    assert.match(health.bbb.hint, /BBB_SECRET/);
    const response = await http.fetch(`${workers.wrongSecret.origin}/join?token=${token()}`);
    assert.equal(response.status, 502);
    assert.deepEqual([JSON.parse(response.body).error, JSON.parse(response.body).bbb.messageKey], ["bbb_failed", "checksumError"]);
  });

  test("connection refused", async () => {
    const health = await http.fetch(`${workers.refused.origin}/healthz`);
    assert.equal(health.status, 503);
    assert.equal(JSON.parse(health.body).bbb.error, "bbb_unreachable");
    const response = await http.fetch(`${workers.refused.origin}/join?token=${token()}`);
    assert.deepEqual([response.status, JSON.parse(response.body).error], [502, "bbb_unreachable"]);
  });
});

describe("checksum algorithms", () => {
  for (const alg of ["sha1", "sha384", "sha512"]) {
    test(`${alg}, against a BBB that accepts only ${alg}`, async () => {
      const meeting = `m-${alg}`;
      const response = await http.fetch(`${workers[alg].origin}/join?token=${token(meeting)}`);
      assert.equal(response.status, 302, response.body);
      const checksum = new URL(response.headers.location).searchParams.get("checksum");
      assert.equal(checksum.length, { sha1: 40, sha384: 96, sha512: 128 }[alg]);
      const bbb = await fetch(response.headers.location, { redirect: "manual" });
      assert.match(bbb.headers.get("location"), /\/client\/BigBlueButton\.html\?sessionToken=/);
      const [create] = await sims[alg].requests("create");
      assert.ok(create.checksum_ok);
    });
  }

  test("sha1 against a sha256-only BBB (the 2.5.7 story) is a clear checksumError", async () => {
    const response = await http.fetch(`${workers.sha1OnSha256.origin}/join?token=${token()}`);
    assert.equal(response.status, 502);
    assert.equal(JSON.parse(response.body).bbb.messageKey, "checksumError");
  });
});

test("nothing leaks from misconfigured workers either", () => {
  const lines = Object.values(workers).flatMap((w) => w.lines);
  assertNothingLeaks({ records: http.seen, lines, secrets: [BBB_SECRET, JWT_SECRET, "not-the-bbb-secret", "user:pw"], tokens: [], signedUrls: [] });
});
