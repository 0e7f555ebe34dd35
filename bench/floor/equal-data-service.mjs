// A stand-in for the data service whose 404 costs what its 200 costs (bench/gateway-timing.mjs
// --equal-data-service): a node:http proxy in front of the real one that answers every entity
// GET (GET /internal/workspaces/{ws}/{type}/{id}) from memory, the text the real service gave
// the first time (a 200 with the entity, or its 404), and passes everything else through. Both
// answers are then a Map look-up and a write of a few hundred bytes: what is left of a
// difference between them through the gateway is the gateway's own.
//
//   node bench/floor/equal-data-service.mjs --data-service http://127.0.0.1:8788 [--port 0]
import http from 'node:http';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const DS = new URL(arg('--data-service'));
const agent = new http.Agent({ keepAlive: true });
const ENTITY = /^\/internal\/workspaces\/[^/]+\/[^/]+\/[^/?]+$/;
const remembered = new Map();

function forward(req, body) {
  return new Promise((ok, fail) => {
    const headers = { ...req.headers, host: DS.host };
    const up = http.request({ hostname: DS.hostname, port: DS.port, method: req.method, path: req.url, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'] ?? 'application/json', body: Buffer.concat(chunks) }));
    });
    up.on('error', fail);
    up.end(body);
  });
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const cacheable = req.method === 'GET' && ENTITY.test(req.url);
  let answer = cacheable ? remembered.get(req.url) : undefined;
  if (answer === undefined) {
    answer = await forward(req, Buffer.concat(chunks));
    if (cacheable) remembered.set(req.url, answer);
  }
  res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': answer.body.length });
  res.end(answer.body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(arg('--port', '0')), '127.0.0.1', () => {
  console.log(`equal data service listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
