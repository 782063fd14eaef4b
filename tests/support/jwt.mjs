// Mints compact JWS tokens with node:crypto: an implementation independent of the worker's,
// so the end-to-end tests check interoperability, not the code against itself.
import { createHmac, generateKeyPairSync, randomUUID, sign as cryptoSign } from "node:crypto";

const HASHES = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };

export function b64url(input) {
  return Buffer.from(input).toString("base64url");
}

/** Signs `claims` with `secret` (HS256/384/512). Any other `alg` gets an empty signature. */
export function sign(claims, secret, { alg = "HS256", header = {} } = {}) {
  const head = b64url(JSON.stringify({ alg, typ: "JWT", ...header }));
  const body = b64url(typeof claims === "string" ? claims : JSON.stringify(claims));
  const input = `${head}.${body}`;
  const hash = HASHES[alg];
  const signature = hash ? createHmac(hash, secret).update(input).digest("base64url") : "";
  return `${input}.${signature}`;
}

/** Standard join claims, valid for `lifetime` seconds from now; `extra` overrides or adds. */
export function joinClaims({ issuer, audience, meeting, name, sub, lifetime = 120, ...extra }) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: audience,
    iat: now,
    exp: now + lifetime,
    jti: randomUUID(),
    sub: sub ?? `user-${randomUUID().slice(0, 8)}`,
    name,
    meeting,
    ...extra,
  };
}

/** A key pair of a host app for asymmetric tokens, with its public JWK (`kid` set). */
export function hostKey(alg, kid = alg) {
  const pair = alg === "EdDSA" ? generateKeyPairSync("ed25519")
    : alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { alg, kid, privateKey: pair.privateKey, jwk: { ...pair.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" } };
}

/** Signs `claims` with a host key (EdDSA, ES256 as r‖s, RS256 PKCS#1 v1.5), as host libraries do. */
export function signWithKey(claims, key, header = {}) {
  const input = `${b64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }))}.${b64url(JSON.stringify(claims))}`;
  const data = Buffer.from(input);
  const signature = key.alg === "EdDSA" ? cryptoSign(null, data, key.privateKey)
    : key.alg === "ES256" ? cryptoSign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" })
    : cryptoSign("sha256", data, key.privateKey);
  return `${input}.${signature.toString("base64url")}`;
}
