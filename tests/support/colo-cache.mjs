// The keys of the Cache API (caches.default) as workerd persists it under `wrangler dev
// --persist-to`: one SQLite table `_mf_entries` per cache object, read with Python's sqlite3.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const READ = `
import json, sqlite3, sys
keys = []
for path in sys.argv[1:]:
    db = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    if db.execute("select 1 from sqlite_master where name = '_mf_entries'").fetchone():
        keys += [row[0] for row in db.execute("select key from _mf_entries")]
print(json.dumps(keys))
`;

/** Every key in the colo cache of a stopped worker's state directory. */
export function cacheKeys(stateDir) {
  const dir = join(stateDir, "v3/cache/miniflare-CacheObject");
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").map((f) => join(dir, f));
  if (files.length === 0) return [];
  return JSON.parse(execFileSync("python3", ["-c", READ, ...files], { encoding: "utf8" }));
}
