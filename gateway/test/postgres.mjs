// A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's `initdb` and `pg_ctl`
// (scripts/setup.sh installs the `postgresql` package), in a temporary directory, on a free port
// of 127.0.0.1, stopped and removed after. As root the tools run as the `postgres` user, which
// owns the directory. A caller that needs one fails, never skips, when it cannot start.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';

function binDir() {
  const root = '/usr/lib/postgresql';
  const found = existsSync(root) ? readdirSync(root).map((v) => join(root, v, 'bin')).filter((b) => existsSync(join(b, 'initdb'))).sort() : [];
  if (found.length === 0) throw new Error('PostgreSQL is not installed: scripts/setup.sh --postgres installs Debian\'s postgresql');
  return found[found.length - 1];
}

const isRoot = () => process.getuid?.() === 0;

function run(tool, args) {
  const [cmd, all] = isRoot() ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, args];
  execFileSync(cmd, all, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * Start a cluster: `{url, database(name), stop()}`. `database(name)` creates a database (once)
 * and answers its URL. `fsync: false` for tests (a SIGKILLed gateway, not a crashed machine);
 * benchmarks keep PostgreSQL's default, durable commits.
 */
export async function startPostgres({ fsync = false } = {}) {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pg-'));
  chmodSync(dir, 0o755);
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const port = await freePort();
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300${fsync ? '' : ' -c fsync=off'}`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const made = new Set();
  return {
    url,
    async database(name) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a database name: ${name}`);
      if (!made.has(name)) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE ${name}`);
        } finally {
          await c.end();
        }
        made.add(name);
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop() {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
