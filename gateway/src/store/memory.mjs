// In-memory backing: the state lives as long as the process (tests, or an edge isolate seeded at
// start). It keeps the serialised text, so it behaves exactly like the durable backings.
export class MemoryBacking {
  constructor(initialText = null) {
    this.text = initialText;
    this.kind = 'memory';
  }
  async load() {
    return this.text;
  }
  async save(text) {
    this.text = text;
  }
}
