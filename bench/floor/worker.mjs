// The floor of a GET through the gateway on workerd (bench/gateway-load.mjs): a bare
// fetch-and-return worker. GET /v1/workspaces/{ws}/{collection}/{id} is a fetch of the entity
// from the data service, JSON.parse of the answer and the gateway's answer shape, {"data":
// entity}. No token, no decision, no state. Config: bench/floor/workerd.capnp.
const TYPES = { families: 'family', details: 'detail', stashes: 'stash', tags: 'tag' };

export default {
  async fetch(request, env) {
    const [, , , ws, collection, id] = new URL(request.url).pathname.split('/');
    const r = await fetch(`${env.DATA_SERVICE_URL}/internal/workspaces/${ws}/${TYPES[collection]}/${id}`);
    if (r.status !== 200) {
      await r.arrayBuffer();
      return new Response('{"error":{"code":"not_found","message":"No such resource."}}', { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' } });
    }
    const { entity } = JSON.parse(await r.text());
    return new Response(JSON.stringify({ data: entity }), { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
  },
};
