// Asymmetric host tokens (EdDSA, ES256, RS256) with the host app's JWKS, verified by workerd's
// WebCrypto: a JWKS served by the test, rotated, flooded with unknown kids and taken down.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";

import { cacheKeys } from "../support/colo-cache.mjs";
import { freePort, startSimulator, startWorker } from "../support/harness.mjs";
import { hostKey, joinClaims, sign as signHs, signWithKey } from "../support/jwt.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;

const keyPair = (alg) => hostKey(alg, `${alg}-${randomUUID().slice(0, 6)}`);

let sim;
let worker;
let jwks;
let keys = ["EdDSA", "ES256", "RS256"].map(keyPair);
let published = keys;
let fetches = 0;
let jwksDown = false;

before(async () => {
  sim = await startSimulator({ secret: BBB_SECRET });
  const server = createServer((req, res) => {
    fetches++;
    if (jwksDown) return res.writeHead(503).end();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  jwks = { server, url: `http://127.0.0.1:${server.address().port}/.well-known/jwks.json` };
  worker = await startWorker({
    BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", MODERATOR_ROLES: "Instructor",
    JWT_ALGORITHMS: "HS256,EdDSA,ES256,RS256", JWT_JWKS_URL: jwks.url, JWKS_REFRESH_MIN_SECONDS: "1",
  });
});

after(() => {
  worker?.stop();
  sim?.stop();
  jwks?.server.close();
});

const claims = (extra = {}) => joinClaims({ issuer: "lms", audience: "edge", meeting: `room-${randomUUID().slice(0, 6)}`, name: "Ada", ...extra });
const join = (token, origin = worker.origin) => fetch(`${origin}/join?token=${token}`, { redirect: "manual" });
const error = async (response) => (await response.json()).error;
const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe("asymmetric join tokens", () => {
  for (const alg of ["EdDSA", "ES256", "RS256"]) {
    test(`${alg} verifies with the published key`, async () => {
      const key = keys.find((k) => k.alg === alg);
      const response = await join(signWithKey(claims({ roles: ["Instructor"] }), key));
      assert.equal(response.status, 302);
      assert.equal(new URL(response.headers.get("location")).searchParams.get("role"), "MODERATOR");
      const forged = signWithKey(claims(), { ...keyPair(alg), kid: key.kid }); // the right kid, another private key
      assert.deepEqual([(await join(forged)).status, await error(await join(forged))], [401, "token_invalid"]);
    });
  }

  test("algorithm confusion is refused", async () => {
    const rsa = keys.find((k) => k.alg === "RS256");
    // HS256 "signed" with the RSA public key as the HMAC secret, naming the RSA key.
    const confused = signHs(claims(), Buffer.from(rsa.jwk.n, "base64url").toString("latin1"), { header: { kid: rsa.kid } });
    assert.equal(await error(await join(confused)), "token_invalid");
    // ES256 naming the RSA key.
    const es = keys.find((k) => k.alg === "ES256");
    assert.equal(await error(await join(signWithKey(claims(), { ...es, kid: rsa.kid }))), "algorithm_not_allowed");
  });

  test("a flood of unknown kids does not fetch the JWKS per request", async () => {
    await pause(1100);
    const before = fetches;
    const started = Date.now();
    const ed = keys.find((k) => k.alg === "EdDSA");
    const responses = await Promise.all(Array.from({ length: 30 }, () => join(signWithKey(claims(), { ...ed, kid: randomUUID() }))));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [401]);
    // At most one fetch per JWKS_REFRESH_MIN_SECONDS (1 s here): a flood that outlasts a second
    // on a loaded machine may make a second one, never one per request.
    const allowed = 1 + Math.floor((Date.now() - started) / 1000);
    assert.ok(fetches - before <= allowed, `${fetches - before} fetches for 30 unknown kids in ${Date.now() - started} ms`);
  });

  test("the host rotates its keys: a new kid is fetched once and works", async () => {
    const fresh = keyPair("EdDSA");
    published = [...keys, fresh];
    await pause(1100);
    assert.equal((await join(signWithKey(claims(), fresh))).status, 302);
    keys = published;
  });

  test("/healthz reports the JWKS: usable keys, and the ones left out with a reason", async () => {
    const saved = published;
    published = [...keys, { jwk: { ...hostKey("RS256").jwk, kid: "weak", n: "AQAB" } }];
    try {
      // /healthz reports the keys the isolate holds and never fetches for itself; a token with a
      // kid it does not know makes the one refresh (after the interval).
      await pause(1100);
      assert.equal((await join(signWithKey(claims(), keyPair("EdDSA")))).status, 401);
      const health = await (await fetch(`${worker.origin}/healthz`)).json();
      assert.equal(health.jwks.ok, true);
      assert.equal(health.jwks.keys, keys.length);
      assert.match(health.jwks.skipped.join(" "), /weak.*bits/);
    } finally {
      published = saved;
    }
  });

  test("API tokens can be asymmetric too", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signWithKey({ iss: "lms", aud: "edge", iat: now, exp: now + 60, sub: "backend", scope: "api" }, keys.find((k) => k.alg === "ES256"));
    const response = await fetch(`${worker.origin}/api/v1/recordings?meeting=room-1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, await response.text());
  });

  test("a fresh isolate takes the JWKS from the colo's cache (Cache API) when the host is down", async () => {
    const ed = keys.find((k) => k.alg === "EdDSA");
    const { port, stateDir } = worker;
    await worker.stop(); // its fetches left the JWKS in the colo cache (workerd keeps it in stateDir)
    jwksDown = true;
    try {
      const before = fetches;
      worker = await startWorker({
        BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge",
        JWT_ALGORITHMS: "HS256,EdDSA,ES256,RS256", JWT_JWKS_URL: jwks.url, JWKS_REFRESH_MIN_SECONDS: "1",
      }, { port, stateDir });
      assert.equal((await join(signWithKey(claims(), ed))).status, 302);
      assert.equal(fetches, before, "no request reached the (down) JWKS endpoint");
    } finally {
      jwksDown = false;
    }
  });

  test("a JWKS another worker of the zone put in the colo cache is not trusted", async () => {
    // The Cache API is shared by every worker of the zone: any of them can write any key, also
    // the keys bbb-edge reads. It plants the attacker's key everywhere bbb-edge keeps its copy.
    const attacker = keyPair("EdDSA");
    const { port, stateDir } = worker;
    await worker.stop();
    const keysInCache = cacheKeys(stateDir);
    assert.ok(keysInCache.length > 0, "the worker kept its JWKS in the colo cache");
    const neighbour = await startWorker({}, { config: "tests/support/zone-neighbour/wrangler.toml", port, stateDir });
    const forged = JSON.stringify({ keys: [...published.map((k) => k.jwk), attacker.jwk] });
    for (const key of new Set([jwks.url, ...keysInCache])) {
      const put = await fetch(`${neighbour.origin}/put?key=${encodeURIComponent(key)}`, { method: "POST", body: forged });
      assert.equal(put.status, 200);
    }
    await neighbour.stop();
    jwksDown = true;
    try {
      worker = await startWorker({
        BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge",
        JWT_ALGORITHMS: "HS256,EdDSA,ES256,RS256", JWT_JWKS_URL: jwks.url, JWKS_REFRESH_MIN_SECONDS: "1",
      }, { port, stateDir });
      const refused = await join(signWithKey(claims(), attacker));
      assert.equal(refused.status, 401, "a planted key never verifies");
      assert.equal(await error(refused), "token_invalid");
    } finally {
      jwksDown = false;
    }
    await pause(1100); // the refresh interval: the host is back, its own keys are fetched
    const ed = published.find((k) => k.alg === "EdDSA");
    assert.equal((await join(signWithKey(claims(), ed))).status, 302);
    assert.equal((await join(signWithKey(claims(), attacker))).status, 401);
  });

  test("an unreachable JWKS refuses asymmetric tokens and leaves HS tokens alone", async () => {
    const closed = await freePort();
    const other = await startWorker({
      BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge",
      JWT_ALGORITHMS: "HS256,EdDSA", JWT_JWKS_URL: `http://127.0.0.1:${closed}/jwks.json`,
    });
    try {
      const ed = keys.find((k) => k.alg === "EdDSA");
      const refused = await join(signWithKey(claims(), ed), other.origin);
      assert.deepEqual([refused.status, await error(refused)], [401, "token_invalid"]);
      assert.equal((await join(signHs(claims(), JWT_SECRET), other.origin)).status, 302);
      const health = await fetch(`${other.origin}/healthz`);
      assert.equal(health.status, 503);
      assert.match((await health.json()).jwks.error, /could not be reached/);
      await pause(300);
      assert.ok(other.logs().some((l) => l.route === "jwks" && l.outcome === "failed"));
    } finally {
      other.stop();
    }
  });
});
