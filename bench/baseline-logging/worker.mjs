// The redirect-only floor plus the one JSON log line per request that bbb-edge writes: under
// wrangler dev, console output is piped through Node and costs a measurable share by itself.
export default {
  async fetch() {
    console.log(JSON.stringify({ route: "join", method: "GET", status: 302, outcome: "ok", bbb_calls: 0, upstream_ms: 0 }));
    return new Response(null, { status: 302, headers: { location: "http://127.0.0.1:9/x", "cache-control": "no-store" } });
  },
};
