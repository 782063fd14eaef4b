#!/usr/bin/env node
// Mints a join link for the local worker from .dev.vars (local development only).
//   node scripts/join-link.mjs [--name "Ada"] [--role moderator|viewer] [--roles Instructor,Learner] [--meeting demo-room]
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { joinClaims, sign } from "../tests/support/jwt.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vars = Object.fromEntries(
  readFileSync(join(root, ".dev.vars"), "utf8")
    .split("\n")
    .filter((line) => line.includes("=") && !line.trim().startsWith("#"))
    .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]),
);
const { values } = parseArgs({
  options: {
    name: { type: "string", default: "Ada Lovelace" },
    role: { type: "string" },
    roles: { type: "string" },
    meeting: { type: "string", default: "demo-room" },
    "meeting-name": { type: "string", default: "Demo room" },
  },
});
const claims = joinClaims({
  issuer: vars.JWT_ISSUER.split(",")[0].trim(),
  audience: vars.JWT_AUDIENCE,
  meeting: values.meeting,
  name: values.name,
  sub: `demo-${values.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
  lifetime: Number(vars.JWT_MAX_AGE_SECONDS ?? 300),
  meeting_name: values["meeting-name"],
  jti: randomUUID(),
  ...(values.role ? { role: values.role } : {}),
  ...(values.roles ? { roles: values.roles.split(",") } : {}),
});
console.log(`${vars.PUBLIC_URL}/join?token=${sign(claims, vars.JWT_SECRET)}`);
