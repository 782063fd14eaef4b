// Scans responses and log lines for anything that must never leave the worker.
import assert from "node:assert/strict";

/** Checksums inside signed URLs (the Location headers the worker issued). */
export function checksumsOf(urls) {
  return urls.map((url) => new URL(url).searchParams.get("checksum")).filter(Boolean);
}

/**
 * Fails if a response body, a non-Location header or a log line contains a secret, a token,
 * a checksum, `checksum=` or a signed URL.
 */
export function assertNothingLeaks({ records, lines, secrets, tokens, signedUrls }) {
  const needles = [
    ...secrets.map((s) => ["secret", s]),
    ...tokens.map((t) => ["token", t]),
    ...checksumsOf(signedUrls).map((c) => ["checksum", c]),
    ...signedUrls.map((u) => ["signed URL", u]),
    ["checksum parameter", "checksum="],
  ];
  const haystacks = [
    ...records.map((r) => [`body of ${r.status} ${r.url.split("?")[0]}`, r.body]),
    ...records.flatMap((r) =>
      Object.entries(r.headers)
        .filter(([name]) => name !== "location")
        .map(([name, value]) => [`header ${name} of ${r.url.split("?")[0]}`, value]),
    ),
    ...lines.map((line) => ["log line", line]),
  ];
  assert.ok(records.length > 0 && lines.length > 0, "nothing was recorded to scan");
  for (const [where, text] of haystacks) {
    for (const [what, needle] of needles) {
      assert.ok(!text.includes(needle), `${what} found in ${where}: ${text.slice(0, 200)}`);
    }
  }
}
