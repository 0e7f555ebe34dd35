// The floor of a GET through a gateway on Node (bench/gateway-load.mjs): a bare reverse proxy.
// node:http answers GET /v1/workspaces/{ws}/{collection}/{id} with a fetch of the entity from
// the data service (its internal GET), JSON.parse of the answer and the gateway's answer shape,
// {"data": entity}. No token, no decision, no state: what any Node proxy in front of the data
// service costs. The fetch is the global fetch (its pool keeps connections alive), or with
// `--client http` node:http with a keep-alive agent, as the gateway's own transport does
// (node-server.mjs): the stricter floor.
//
//   node bench/floor/node.mjs --data-service http://127.0.0.1:8788 [--port 0] [--client fetch|http]
import http from 'node:http';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const DS = arg('--data-service');
const TYPES = { families: 'family', details: 'detail', stashes: 'stash', tags: 'tag' };
const CLIENT = arg('--client', 'fetch');
const ds = new URL(DS);
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });

/** `{status, text}` of a GET, over the chosen client. */
function get(path) {
  if (CLIENT === 'fetch') return fetch(`${DS}${path}`).then(async (r) => ({ status: r.status, text: await r.text() }));
  return new Promise((ok, fail) => {
    const req = http.request({ hostname: ds.hostname, port: ds.port, path, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => ok({ status: res.statusCode, text }));
    });
    req.on('error', fail);
    req.end();
  });
}

const server = http.createServer(async (req, res) => {
  const [, , , ws, collection, id] = req.url.split('/');
  const r = await get(`/internal/workspaces/${ws}/${TYPES[collection]}/${id}`);
  if (r.status !== 200) {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"error":{"code":"not_found","message":"No such resource."}}');
    return;
  }
  const { entity } = JSON.parse(r.text);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ data: entity }));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(arg('--port', '0')), '127.0.0.1', () => {
  console.log(`floor listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
