// ms per verification with WebCrypto (Node's crypto.subtle: native code, like workerd's), on
// the same tokens as the pure-Rust measurement.
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

const fixtures = JSON.parse(readFileSync(new URL("./fixtures.json", import.meta.url)));
const params = {
  EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
};
for (const [alg, { token, jwk }] of Object.entries(fixtures)) {
  const [importParams, verifyParams] = params[alg];
  const key = await webcrypto.subtle.importKey("jwk", jwk, importParams, false, ["verify"]);
  const [head, body, signature] = token.split(".");
  const data = Buffer.from(`${head}.${body}`);
  const sig = Buffer.from(signature, "base64url");
  assert(await webcrypto.subtle.verify(verifyParams, key, sig, data));
  const runs = 2000;
  const started = performance.now();
  for (let i = 0; i < runs; i++) await webcrypto.subtle.verify(verifyParams, key, sig, data);
  console.log(`WebCrypto ${alg}: ${((performance.now() - started) / runs).toFixed(3)} ms per verification (${runs} runs, wall time incl. promise overhead)`);
}

function assert(ok) {
  if (!ok) throw new Error("verification failed");
}
