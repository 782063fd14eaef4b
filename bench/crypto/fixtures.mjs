// Writes fixtures.json: one signed token and its public JWK per algorithm, made with the
// e2e suite's host-key helpers (Node's crypto).
import { writeFileSync } from "node:fs";

import { hostKey, signWithKey } from "../../tests/support/jwt.mjs";

const out = {};
for (const alg of ["EdDSA", "ES256", "RS256"]) {
  const key = hostKey(alg);
  const now = Math.floor(Date.now() / 1000);
  out[alg] = { token: signWithKey({ sub: "u", iat: now, exp: now + 3600 }, key), jwk: key.jwk };
}
writeFileSync(new URL("./fixtures.json", import.meta.url), JSON.stringify(out, null, 2));
