// The floor for any design with a strongly consistent single-use jti: the redirect-only worker
// plus one Durable Object hop with one storage read and write per request (JS, no logging).
import { DurableObject } from "cloudflare:workers";
export class Hop extends DurableObject {
  async fetch(request) {
    const jti = new URL(request.url).searchParams.get("j");
    if (await this.ctx.storage.get(`jti:${jti}`)) return new Response("replayed", { status: 401 });
    await this.ctx.storage.put(`jti:${jti}`, Date.now());
    return new Response("1700000000000");
  }
}
let n = 0;
export default {
  async fetch(request, env) {
    const stub = env.HOPS.get(env.HOPS.idFromName("room"));
    const time = await (await stub.fetch(`https://do/?j=${n++}-${Math.random()}`)).text();
    return new Response(null, { status: 302, headers: { location: `http://127.0.0.1:9/join?createTime=${time}` } });
  },
};
