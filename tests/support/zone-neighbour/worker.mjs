// Another worker of the same zone: the Cache API (caches.default) is shared by all of them, so
// it can write any key. The JWKS tests use it to plant forged entries where bbb-edge looks.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/put") {
      const key = url.searchParams.get("key");
      const headers = { "content-type": "application/json", "cache-control": "max-age=3600" };
      await caches.default.put(key, new Response(await request.text(), { headers }));
      return new Response("stored\n");
    }
    if (url.pathname === "/get") {
      const hit = await caches.default.match(url.searchParams.get("key"));
      return hit ?? new Response("miss\n", { status: 404 });
    }
    return new Response("not found\n", { status: 404 });
  },
};
