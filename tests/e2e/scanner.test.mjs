// The leak scanner must be able to fail, or the end-to-end scan proves nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { assertNothingLeaks } from "../support/secrets.mjs";

const signed = "http://bbb.test/bigbluebutton/api/join?fullName=A&checksum=0123456789abcdef0123456789abcdef01234567";
const clean = { url: "http://w/join", status: 302, headers: { location: signed, "cache-control": "no-store" }, body: "" };
const scan = (records, lines) => () => assertNothingLeaks({ records, lines, secrets: ["s3cret-value"], tokens: ["eyJ.tok.en"], signedUrls: [signed] });

test("clean records pass", () => {
  assert.doesNotThrow(scan([clean], ['{"route":"join"}']));
});

test("each kind of leak is caught", () => {
  const leaks = [
    [[{ ...clean, body: "oops s3cret-value" }], ["{}"]],
    [[clean], ['{"token":"eyJ.tok.en"}']],
    [[{ ...clean, body: "0123456789abcdef0123456789abcdef01234567" }], ["{}"]],
    [[{ ...clean, headers: { "x-debug": signed } }], ["{}"]],
    [[clean], ["fetch failed for ...&checksum=abc"]],
  ];
  for (const [records, lines] of leaks) assert.throws(scan(records, lines));
});
