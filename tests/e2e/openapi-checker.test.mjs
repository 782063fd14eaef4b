// The OpenAPI check must be able to fail, or checking the API against it proves nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { assertMatchesOpenApi } from "../support/openapi.mjs";

const record = (path, status, body, method = "GET") => ({ method, url: `http://w${path}`, status, headers: {}, body: JSON.stringify(body) });
const recording = {
  record_id: "6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019", server: "default", meeting: "m", internal_meeting_id: "x",
  name: "n", state: "published", published: true, start_time: 1, end_time: 2, participants: 3, metadata: {}, playback: [],
};

test("conforming responses pass", () => {
  const { checked } = assertMatchesOpenApi([
    record("/api/v1/recordings/6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019", 200, recording),
    record("/api/v1/recordings", 400, { error: "invalid_request", message: "meeting is required" }),
  ]);
  assert.equal(checked, 2);
});

test("each kind of drift is caught", () => {
  const path = "/api/v1/recordings/6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019";
  const drifts = [
    record(path, 200, { ...recording, record_id: undefined }),
    record(path, 200, { ...recording, state: "weird" }),
    record(path, 200, { ...recording, extra: 1 }),
    record("/api/v1/recordings", 200, { items: [] }),
    record("/api/v1/recordings", 401, { error: "nope", message: "x" }),
    record("/api/v1/recordings", 502, { error: "bbb_failed", message: "x", bbb: { key: "k" } }),
  ];
  for (const drift of drifts) assert.throws(() => assertMatchesOpenApi([drift]), undefined, drift.body);
});
