// Checks real API responses against docs/openapi.json (OpenAPI 3.1 = JSON Schema 2020-12).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import Ajv2020 from "ajv/dist/2020.js";

import { ROOT } from "./harness.mjs";

const spec = JSON.parse(readFileSync(join(ROOT, "docs/openapi.json"), "utf8"));
// OpenAPI's own keywords (summary, parameters, …) are not JSON Schema: not strict.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(spec, "openapi");

const pointer = (...parts) => parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/** The spec's path template for a concrete path, e.g. /api/v1/recordings/{record_id}. */
function template(path) {
  return Object.keys(spec.paths).find((candidate) => {
    const pattern = `^${candidate.replace(/\{[^}]+\}/g, "[^/]+")}$`;
    return new RegExp(pattern).test(path);
  });
}

/**
 * Validates every `/api/v1` response in `records` against its operation's schema for that
 * status (or `default`), and returns which documented operation/status pairs were seen.
 */
export function assertMatchesOpenApi(records) {
  const seen = new Set();
  let checked = 0;
  for (const record of records) {
    const url = new URL(record.url);
    if (!url.pathname.startsWith("/api/v1/")) continue;
    const path = template(url.pathname);
    const method = record.method.toLowerCase();
    const operation = path && spec.paths[path][method];
    const status = operation && String(record.status) in operation.responses ? String(record.status) : "default";
    const schemaRef = operation
      ? `openapi#/${pointer("paths", path, method, "responses", status)}`
      : "openapi#/components/responses/Error";
    // Responses may be $refs to components/responses: follow them to their schema.
    const response = resolve(schemaRef.slice("openapi#/".length));
    const schema = response.content["application/json"].schema;
    const validate = ajv.compile({ $ref: refFor(schema, schemaRef) });
    const body = JSON.parse(record.body);
    assert.ok(validate(body), `${record.method} ${url.pathname} ${record.status}: ${ajv.errorsText(validate.errors)}\n${record.body.slice(0, 300)}`);
    if (operation) seen.add(`${method.toUpperCase()} ${path} ${status}`);
    checked++;
  }
  return { checked, seen };
}

function resolve(jsonPointer) {
  let node = spec;
  for (const part of jsonPointer.split("/")) node = node[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  return node.$ref ? resolve(node.$ref.slice(2)) : node;
}

function refFor(schema, fallback) {
  return schema.$ref ? `openapi${schema.$ref}` : `${fallback.replace(/^openapi#\//, "openapi#/")}/content/application~1json/schema`;
}

/** Every documented 200 response, as `METHOD path 200` (of paths matching `only`, if given). */
export function documentedSuccesses(only = () => true) {
  return Object.entries(spec.paths).filter(([path]) => only(path)).flatMap(([path, item]) =>
    ["get", "post", "patch", "delete"].filter((m) => item[m]?.responses?.["200"]).map((m) => `${m.toUpperCase()} ${path} 200`),
  );
}
