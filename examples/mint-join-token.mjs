// Mint a bbb-edge join token in Node.js, standard library only.
//   JWT_SECRET=… JWT_ISSUER=… JWT_AUDIENCE=… node mint-join-token.mjs MEETING "NAME" [ROLE,…]
import { createHmac, randomUUID } from "node:crypto";

const [meeting, name, roles = ""] = process.argv.slice(2);
const { JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE } = process.env;
const b64url = (data) => Buffer.from(data).toString("base64url");

const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: JWT_ISSUER,
  aud: JWT_AUDIENCE,
  iat: now,
  exp: now + 120, // short-lived: at most JWT_MAX_AGE_SECONDS (300 by default)
  jti: randomUUID(), // single use
  sub: `user-${name.toLowerCase().replace(/\W+/g, "-")}`, // your stable user id
  name,
  meeting,
  roles: roles ? roles.split(",") : [],
};
const input = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
const signature = createHmac("sha256", JWT_SECRET).update(input).digest("base64url");
console.log(`${input}.${signature}`);
