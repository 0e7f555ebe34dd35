// Key-value backing for edge deployments: the whole state under one key.
//
// It accepts either a Workers KV namespace (`get`/`put`) or a fetch-able service binding that
// speaks GET/PUT on a path. The bundled workerd config binds a writable `disk` service, whose PUT
// writes a temp file and renames it into place (atomic replace), so state survives a restart.
export class KvBacking {
  /**
   * kind: 'service' (fetch GET/PUT) or 'kv' (get/put). Given explicitly: a workerd service
   * binding answers every property name with an RPC stub, so probing for `get` would lie.
   */
  constructor(binding, kind, key = 'portcullis-state.json') {
    this.binding = binding;
    this.key = key;
    this.kind = kind;
  }

  async load() {
    if (this.kind === 'kv') return (await this.binding.get(this.key)) ?? null;
    const res = await this.binding.fetch(`http://state/${this.key}`);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`state load failed: HTTP ${res.status}`);
    return res.text();
  }

  async save(text) {
    if (this.kind === 'kv') return this.binding.put(this.key, text);
    const res = await this.binding.fetch(`http://state/${this.key}`, { method: 'PUT', body: text });
    if (!res.ok) throw new Error(`state save failed: HTTP ${res.status}`);
    await res.arrayBuffer();
  }
}
