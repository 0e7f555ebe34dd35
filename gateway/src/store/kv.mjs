// Workers KV backing: the whole state under one key of a KV namespace (binding STATE_KV).
//
// KV is eventually consistent across locations, last write wins, and has no atomic
// read-modify-write, so it is only safe with a single gateway isolate writing; prefer the Durable
// Object backing (store/durable-object.mjs), which the bundled workerd config uses.
export class KvBacking {
  constructor(namespace, key = 'portcullis-state.json') {
    this.namespace = namespace;
    this.key = key;
    this.kind = 'kv';
  }

  async load() {
    return (await this.namespace.get(this.key)) ?? null;
  }

  async save(text) {
    await this.namespace.put(this.key, text);
  }
}
