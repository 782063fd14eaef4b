#!/usr/bin/env node
// A tiny host app for trying bbb-edge locally: it mints tokens server-side, as a real LMS would,
// and sends the browser to the worker with a POST form. Standard library only.
//   DEMO_PORT (8000), WORKER_URL (PUBLIC_URL), JWT_ISSUER, JWT_AUDIENCE, JWT_SECRET, BBB_SIM_URL
//   come from the environment, then from .dev.vars.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { joinClaims, sign } from "../tests/support/jwt.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fileVars = existsSync(join(root, ".dev.vars"))
  ? Object.fromEntries(
      readFileSync(join(root, ".dev.vars"), "utf8")
        .split("\n")
        .filter((line) => line.includes("=") && !line.trim().startsWith("#"))
        .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]),
    )
  : {};
const setting = (name, fallback) => process.env[name] ?? fileVars[name] ?? fallback;
const WORKER = setting("WORKER_URL", setting("PUBLIC_URL", "http://127.0.0.1:8787"));
// One simulator, or several (a pool: scripts/dev.sh --pool), comma-separated.
const SIM = setting("BBB_SIM_URL", "");
const SIMS = SIM.split(",").map((s) => s.trim()).filter(Boolean);
const ISSUER = setting("JWT_ISSUER", "").split(",")[0].trim();
const AUDIENCE = setting("JWT_AUDIENCE", "");
const SECRET = setting("JWT_SECRET", "");
const MEETING = "demo-room";

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;margin:.3rem .3rem 0 0}
input{font-size:1rem}li{margin:.4rem 0}small{color:#666}</style></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

/** `as`: `teacher`, `student`, or `waiting` (a student who waits for the teacher, CONTRACT §9). */
function joinToken(name, as) {
  const sub = `demo-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-") || randomUUID()}`;
  return sign(joinClaims({ issuer: ISSUER, audience: AUDIENCE, meeting: MEETING, name, sub, meeting_name: "Demo room",
    roles: as === "teacher" ? ["Instructor"] : ["Learner"], create: { record: true },
    ...(as === "waiting" ? { wait_for_moderator: true } : {}) }), SECRET);
}

function apiToken() {
  const now = Math.floor(Date.now() / 1000);
  return sign({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 60, sub: "demo-host", scope: "api" }, SECRET);
}

async function form(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function recordings() {
  const response = await fetch(`${WORKER}/api/v1/recordings?meeting=${MEETING}&state=any`, { headers: { authorization: `Bearer ${apiToken()}` } });
  const json = await response.json();
  if (!response.ok) return `<p>bbb-edge answered <code>${escape(json.error)}</code>: ${escape(json.message)}</p>`;
  if (json.recordings.length === 0) return "<p data-testid=\"no-recordings\">No recordings yet.</p>";
  return `<ul>${json.recordings.map((r) => `<li data-testid="recording">${escape(r.name)} <small>${escape(r.record_id)}</small> — ${escape(r.state)}
    ${r.playback.map((p) => `<a href="${escape(p.url)}">${escape(p.type)}</a>`).join(" ")}</li>`).join("")}</ul>`;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://demo");
  const send = (status, html) => res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
  try {
    if (req.method === "GET" && url.pathname === "/") {
      return send(200, page("Demo host app", `<p>This page plays your LMS: it knows who you are and mints a join token for bbb-edge.</p>
<form method="post" action="/join"><label>Your name <input name="name" value="Ada Lovelace" required></label><br>
<button name="as" value="teacher">Join as teacher</button><button name="as" value="student">Join as student</button>
<button name="as" value="waiting">Join as student, wait for the teacher</button></form>
<p><small>To see the waiting room, use two windows: join as a student who waits in one (before the meeting runs),
then as the teacher in the other. The student's window goes in by itself.</small></p>
<p><a href="/recordings">List recordings</a></p>`));
    }
    if (req.method === "POST" && url.pathname === "/join") {
      const params = await form(req);
      const token = joinToken(params.get("name") || "Guest", params.get("as"));
      // A POST to the worker: link scanners cannot spend a single-use token that is never in a URL.
      return send(200, page("Joining…", `<form method="post" action="${escape(WORKER)}/join"><input type="hidden" name="token" value="${escape(token)}">
<noscript><button>Continue</button></noscript></form><script>document.forms[0].submit()</script>`));
    }
    if (req.method === "GET" && url.pathname === "/recordings") {
      const simulate = SIM ? `<form method="post" action="/simulate-recording"><button>Simulate a recording of the demo room</button>
<small>(asks the BBB simulator; a real BBB records by itself)</small></form>` : "";
      return send(200, page("Recordings of the demo room", `${await recordings()}${simulate}<p><a href="/">Back</a></p>`));
    }
    if (req.method === "POST" && url.pathname === "/simulate-recording" && SIM) {
      // Only the server the meeting runs on has it; the others answer 404.
      for (const sim of SIMS) await fetch(`${sim}/_sim/meetings/${MEETING}/recordings?formats=presentation,video`, { method: "POST" });
      return res.writeHead(303, { location: "/recordings" }).end();
    }
    send(404, page("Not found", "<p><a href=\"/\">Back</a></p>"));
  } catch (error) {
    send(502, page("Something went wrong", `<p>${escape(error.message)}</p>`));
  }
});

const port = Number(setting("DEMO_PORT", 8000));
server.listen(port, "127.0.0.1", () => console.log(`demo host listening on http://127.0.0.1:${server.address().port}/`));
