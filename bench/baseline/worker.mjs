// The floor for the join benchmark: a worker that only answers a redirect, served by the same
// wrangler dev and workerd as bbb-edge.
export default {
  async fetch() {
    return new Response(null, {
      status: 302,
      headers: { location: "http://127.0.0.1:9/bigbluebutton/api/join?fullName=x&checksum=0", "cache-control": "no-store" },
    });
  },
};
