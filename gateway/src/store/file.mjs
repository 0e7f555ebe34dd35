// Durable on-disk backing for Node: a single JSON snapshot replaced atomically.
//
// save(): write a temp file in the same directory, fsync it, rename it over the snapshot, fsync
// the directory. rename(2) is atomic, so a crash at any point leaves either the old snapshot or
// the new one, never a torn file; the fsyncs make the new one survive power loss once save()
// resolves, and the gateway acknowledges a write only after that.
import { open, rename, readFile, mkdir, unlink, readdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export class FileBacking {
  constructor(path) {
    this.path = path;
    this.dir = dirname(path);
    this.kind = 'file';
    this.counter = 0;
  }

  async load() {
    await mkdir(this.dir, { recursive: true });
    // Temp files left by a crash are incomplete by definition: the snapshot never pointed at them.
    const prefix = `.${basename(this.path)}.tmp-`;
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(prefix)) await unlink(join(this.dir, name)).catch(() => {});
    }
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      throw err;
    }
  }

  async save(text) {
    const tmp = join(this.dir, `.${basename(this.path)}.tmp-${process.pid}-${++this.counter}`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
