// Pages a browser sees (CONTRACT §9), the waiting room's among them: in the language it asks for (Accept-Language) among
// English, German, French, Spanish and Portuguese (Brazil), else English; with <html lang>, a
// title, a layout that fits a 375 px phone without sideways scrolling, light and dark themes, and
// nothing loaded from another origin. Headless Chromium renders each; screenshots go to
// tests/artifacts/pages/.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { launchBrowser } from "../support/browser.mjs";

import { ROOT, startSimulator, startWorker } from "../support/harness.mjs";
import { joinClaims, sign } from "../support/jwt.mjs";

const BBB_SECRET = `bbb-${randomBytes(12).toString("hex")}`;
const JWT_SECRET = `jwt-${randomBytes(16).toString("hex")}`;
const ARTIFACTS = join(ROOT, "tests/artifacts/pages");

// What each language's pages must say (written here, not read from the worker).
const EXPECTED = {
  en: { accept: "en-US,en;q=0.9", expired: "This join link is not valid", full: "The meeting is full.", left: "You left the meeting", waiting: "The meeting has not started yet." },
  de: { accept: "de-DE,de;q=0.9,en;q=0.5", expired: "Dieser Teilnahme-Link ist nicht gültig", full: "Die Konferenz ist voll.", left: "Sie haben die Konferenz verlassen", waiting: "Die Konferenz hat noch nicht begonnen." },
  fr: { accept: "fr-CA,fr;q=0.8", expired: "Ce lien de participation n’est pas valide", full: "La réunion est complète.", left: "Vous avez quitté la réunion", waiting: "La réunion n’a pas encore commencé." },
  es: { accept: "es-419,es;q=0.9", expired: "Este enlace para unirse no es válido", full: "La reunión está llena.", left: "Ha salido de la reunión", waiting: "La reunión todavía no ha empezado." },
  "pt-BR": { accept: "pt-BR", expired: "Este link de acesso não é válido", full: "A reunião está lotada.", left: "Você saiu da reunião", waiting: "A reunião ainda não começou." },
};

let sim;
let worker;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ secret: BBB_SECRET });
  worker = await startWorker({ BBB_URL: sim.url, BBB_SECRET, JWT_SECRET, JWT_ISSUER: "lms", JWT_AUDIENCE: "edge", LOGOUT_URL: "https://lms.example.org/course/1" });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  worker?.stop();
  sim?.stop();
});

const expiredLink = () => {
  const now = Math.floor(Date.now() / 1000);
  return `/join?token=${sign(joinClaims({ issuer: "lms", audience: "edge", meeting: "pages-room", name: "Ada", iat: now - 600, exp: now - 300 }), JWT_SECRET)}`;
};
const PAGES = {
  expired: expiredLink,
  full: () => `/join/error?errors=${encodeURIComponent(JSON.stringify([{ key: "maxParticipantsReached", message: "Call 0800 to unlock" }]))}`,
  left: () => "/left",
  // A viewer before the meeting runs (a new token each time: the wait spends it).
  waiting: () => `/join?token=${sign(joinClaims({ issuer: "lms", audience: "edge", meeting: "pages-waiting", meeting_name: "Biologie 101 – Zellen", name: "Zoë", wait_for_moderator: true }), JWT_SECRET)}`,
};

async function fetchPage(path, acceptLanguage) {
  const headers = { accept: "text/html" };
  if (acceptLanguage !== undefined) headers["accept-language"] = acceptLanguage;
  const response = await fetch(`${worker.origin}${path}`, { headers, redirect: "manual" });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe("each language picked by Accept-Language", () => {
  for (const [lang, expected] of Object.entries(EXPECTED)) {
    test(`${lang}: every page, with <html lang>, a title and Content-Language`, async () => {
      for (const [name, path] of Object.entries(PAGES)) {
        const page = await fetchPage(path(), expected.accept);
        assert.match(page.body, new RegExp(`^<!doctype html><html lang="${lang}">`), name);
        assert.equal(page.headers.get("content-language"), lang, name);
        assert.match(page.body, /<title>[^<]+<\/title>/, name);
        assert.ok(page.body.includes(expected[name]), `${lang} ${name}: ${page.body.slice(0, 400)}`);
        assert.ok(!page.body.includes("Call 0800"), "the query's text is never shown");
      }
    });
  }

  test("English when nothing asked for is known, or nothing is asked", async () => {
    for (const accept of ["ja,zh-CN;q=0.9", undefined, "*", "de;q=0"]) {
      const page = await fetchPage("/left", accept);
      assert.match(page.body, /^<!doctype html><html lang="en">/, String(accept));
      assert.ok(page.body.includes(EXPECTED.en.left));
    }
  });

  test("q-values decide, not the order", async () => {
    const page = await fetchPage("/left", "en;q=0.3, fr;q=0.9, de;q=0.5");
    assert.ok(page.body.includes(EXPECTED.fr.left));
  });
});

describe("in a browser", () => {
  test("every page in every language fits a 375 px phone, in light and dark, loading nothing from elsewhere", async () => {
    for (const scheme of ["light", "dark"]) {
      for (const [lang, expected] of Object.entries(EXPECTED)) {
        const context = await browser.newContext({ viewport: { width: 375, height: 740 }, colorScheme: scheme, locale: lang, extraHTTPHeaders: { "accept-language": expected.accept } });
        const page = await context.newPage();
        const elsewhere = [];
        page.on("request", (request) => {
          if (!request.url().startsWith(worker.origin)) elsewhere.push(request.url());
        });
        for (const [name, path] of Object.entries(PAGES)) {
          await page.goto(`${worker.origin}${path()}`);
          assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
          const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
          assert.ok(scrollWidth <= clientWidth, `${lang} ${name} ${scheme}: ${scrollWidth} px wide in ${clientWidth}`);
          const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          assert.equal(background, scheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)", `${lang} ${name} ${scheme}`);
          await page.screenshot({ path: join(ARTIFACTS, `${name}-${lang}-${scheme}.png`), fullPage: true });
        }
        assert.deepEqual(elsewhere, []);
        await context.close();
      }
    }
  });
});
