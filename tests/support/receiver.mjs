// A host app's webhook endpoint for tests: records every delivery, can be told to fail first,
// and verifies Standard Webhooks signatures with its own code (node:crypto), not the worker's.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

export async function startReceiver() {
  const deliveries = [];
  let failuresLeft = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const failed = failuresLeft > 0;
      if (failed) failuresLeft--;
      deliveries.push({ headers: req.headers, body, answered: failed ? 500 : 200, at: Date.now() });
      res.writeHead(failed ? 500 : 200, { "content-type": "text/plain" });
      res.end(failed ? "not now" : "ok");
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    deliveries,
    failNext: (n) => (failuresLeft = n),
    /** Waits until `predicate(deliveries)` holds, or fails after `timeoutMs`. */
    async until(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(deliveries)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met; got ${JSON.stringify(deliveries.map((d) => d.body))}`);
        await new Promise((ok) => setTimeout(ok, 100));
      }
    },
    stop: () => server.close(),
  };
}

/** Standard Webhooks verification: HMAC-SHA256(base64 key after whsec_, "id.timestamp.body"). */
export function verifyStandardWebhook(secret, headers, body, { toleranceSeconds = 300 } = {}) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
