// Reads a Durable Object's storage as workerd persists it under `wrangler dev --persist-to`
// (a SQLite file per object, key-value pairs in `_cf_KV`), through Python's sqlite3 module.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const READ = `
import json, sqlite3, sys
for path in sys.argv[1:]:
    db = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    names = [r[0] for r in db.execute("select name from __miniflare_do_name")] or [None]
    rows = db.execute("select key, value from _cf_KV order by key").fetchall()
    # bbb-edge stores the instance as JSON text; workerd wraps it in V8's serialisation header.
    instance = next((bytes(v) for k, v in rows if k == "instance"), None)
    if instance is not None:
        instance = json.loads(instance[instance.index(b"{"):instance.rindex(b"}") + 1].decode("utf-8"))
    print(json.dumps({"name": names[0], "keys": [k for k, _ in rows], "instance": instance}))
`;

/** Every object of `className`: its name, its storage keys and the stored meeting instance. */
export function objects(stateDir, script, className) {
  const dir = join(stateDir, "v3/do", `${script}-${className}`);
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").map((f) => join(dir, f));
  if (files.length === 0) return [];
  const out = execFileSync("python3", ["-c", READ, ...files], { encoding: "utf8" });
  return out.trim().split("\n").map((line) => JSON.parse(line));
}
