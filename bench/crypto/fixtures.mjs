// Writes fixtures.json: one signed token and its public JWK per algorithm (Node's crypto).
import { generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";

const b64url = (data) => Buffer.from(data).toString("base64url");
const out = {};
for (const alg of ["EdDSA", "ES256", "RS256"]) {
  const pair = alg === "EdDSA" ? generateKeyPairSync("ed25519")
    : alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url(JSON.stringify({ alg }))}.${b64url(JSON.stringify({ sub: "u", iat: now, exp: now + 3600 }))}`;
  const data = Buffer.from(input);
  const signature = alg === "EdDSA" ? sign(null, data, pair.privateKey)
    : alg === "ES256" ? sign("sha256", data, { key: pair.privateKey, dsaEncoding: "ieee-p1363" })
    : sign("sha256", data, pair.privateKey);
  out[alg] = { token: `${input}.${signature.toString("base64url")}`, jwk: pair.publicKey.export({ format: "jwk" }) };
}
writeFileSync(new URL("./fixtures.json", import.meta.url), JSON.stringify(out, null, 2));
