// The host integration guide's token examples, run in their own languages; every token they
// print is checked by the token tool, which uses the worker's own verification code.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

import { ROOT } from "../support/harness.mjs";

const TOOL = process.env.TOKEN_TOOL_BIN ?? join(ROOT, "target/debug/bbb-edge-token");
const settings = {
  BBB_URL: "http://127.0.0.1:9/bigbluebutton/",
  PUBLIC_URL: "http://127.0.0.1:8787",
  JWT_ISSUER: "https://lms.example",
  JWT_AUDIENCE: "bbb-edge",
  JWT_SECRET: "example-shared-key-0123456789abcdefgh",
  BBB_SECRET: "unused-here",
  MODERATOR_ROLES: "Instructor",
};
const env = { PATH: process.env.PATH, ...settings };

const examples = [
  ["Node.js", process.execPath, "examples/mint-join-token.mjs"],
  ["Python", "python3", "examples/mint_join_token.py"],
  ["PHP", "php", "examples/mint-join-token.php"],
];

for (const [language, interpreter, script] of examples) {
  test(`${language} example`, (t) => {
    if (spawnSync(interpreter, ["--version"]).status !== 0) {
      // setup.sh --examples installs php-cli; only a machine without it skips.
      t.skip(`${interpreter} is not installed`);
      return;
    }
    for (const [roles, role] of [["Instructor,Learner", "MODERATOR"], ["", "VIEWER"]]) {
      const token = execFileSync(interpreter, [script, "course-101", "Zoë Ünicode", roles], { cwd: ROOT, env, encoding: "utf8" }).trim();
      const verdict = spawnSync(TOOL, ["verify", token], { env, encoding: "utf8" });
      assert.equal(verdict.status, 0, verdict.stdout + verdict.stderr);
      assert.match(verdict.stdout, new RegExp(`OK: Zoë Ünicode joins meeting "course-101" as ${role}`));
    }
  });
}
