// The package's public API, shared by the Node, browser and workerd entries. The raw bindings
// (gen/portcullis.js, from src/wasm.rs) take and return JSON text; this layer turns objects
// into text and back, throws a TypeError for misuse, and offers EntitySet so that data sent
// once is not re-sent (and re-parsed) on every preview or list decision.

const DENY = [undefined, 'invalid_token', 'insufficient_scope', 'not_found'];
const MISUSE = '{"type_error":';

function isRecord(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function misuse(message) {
  return new TypeError(`portcullis: ${message}`);
}

function record(v, what) {
  if (!isRecord(v)) throw misuse(`${what}: expected an object, got ${describe(v)}`);
  return JSON.stringify(v);
}

function anyJson(v, what) {
  const text = v === undefined || typeof v === 'function' || typeof v === 'symbol' ? undefined : JSON.stringify(v);
  if (text === undefined) throw misuse(`${what}: expected a JSON value, got ${describe(v)}`);
  return text;
}

function string(v, what) {
  if (typeof v !== 'string') throw misuse(`${what}: expected a string, got ${describe(v)}`);
  return v;
}

function keyId(v) {
  if (v === null || v === undefined) return undefined;
  return string(v, 'keyId');
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v).slice(0, 40)}`;
}

function result(text) {
  if (text.startsWith(MISUSE)) throw misuse(JSON.parse(text).type_error);
  return JSON.parse(text);
}

const encoder = new TextEncoder();

/** Wrap the raw bindings of an initialised module; `exports` are its wasm exports. */
export function bind(raw, exports) {
  // Large inputs (entities) go through the engine's input buffer, written with encodeInto:
  // one native copy instead of a string transfer character by character.
  function input(text) {
    let room = text.length + 8; // enough for ASCII, which JSON text nearly always is
    for (;;) {
      const at = raw.inputBuffer(room); // may grow memory: take the buffer after it
      const r = encoder.encodeInto(text, new Uint8Array(exports.memory.buffer, at, room));
      if (r.read === text.length) return r.written;
      // What was read took `written` bytes; UTF-8 needs at most 3 bytes per UTF-16 unit for
      // the rest. (Not 3 per unit for the whole text: the buffer is kept, and a long text
      // with one accented letter would hold three times its size.)
      room = r.written + 3 * (text.length - r.read);
    }
  }

  /** Entities loaded into the engine once: parsed and typed, ready for previews, list
   * decisions and edit impact. Give an array of entities or its JSON text. */
  class EntitySet {
    #raw;
    constructor(entities) {
      let text;
      if (typeof entities === 'string') text = entities;
      else if (Array.isArray(entities)) text = JSON.stringify(entities);
      else throw misuse(`entities: expected an array or its JSON text, got ${describe(entities)}`);
      try {
        this.#raw = raw.EntitySet.fromInput(input(text));
      } catch (e) {
        throw misuse(String(e));
      }
    }
    /** How many entities of a known type the set holds. */
    get length() {
      return EntitySet.raw(this).length;
    }
    /** Release the engine's copy (it is also released when the set is garbage collected). */
    free() {
      this.#raw?.free();
      this.#raw = undefined;
    }
    static raw(set) {
      if (!set.#raw) throw misuse('entities: this EntitySet was freed');
      return set.#raw;
    }
  }

  // Run `fn` with a raw entity set for `entities` (an EntitySet, an array, or JSON text),
  // freeing a set made for this call only.
  function withSet(entities, fn) {
    if (entities instanceof EntitySet) return fn(EntitySet.raw(entities));
    const set = new EntitySet(entities ?? []);
    try {
      return fn(EntitySet.raw(set));
    } finally {
      set.free();
    }
  }

  function entityText(e) {
    if (e === null || e === undefined) return undefined;
    if (typeof e === 'string') return e;
    return record(e, 'entity');
  }

  function decision(n) {
    if (n === 0) throw misuse(raw.lastError());
    const code = DENY[n & 3];
    return code === undefined ? { status: n >>> 2 } : { status: n >>> 2, code };
  }

  class Store {
    #store = new raw.Store();
    // The raw store; after free() a TypeError, as for a freed EntitySet (the raw binding
    // would throw a plain Error on its null pointer).
    get #raw() {
      if (!this.#store) throw misuse('this Store was freed');
      return this.#store;
    }
    free() {
      this.#store?.free();
      this.#store = undefined;
    }
    putFirm(firm) {
      return result(this.#raw.putFirm(record(firm, 'firm')));
    }
    putFilter(rec) {
      return result(this.#raw.putFilter(record(rec, 'filter record')));
    }
    archiveFilter(id) {
      return result(this.#raw.archiveFilter(string(id, 'id')));
    }
    getFilter(id) {
      return result(this.#raw.getFilter(string(id, 'id')));
    }
    putKey(key) {
      return result(this.#raw.putKey(record(key, 'key')));
    }
    removeKey(id) {
      return this.#raw.removeKey(string(id, 'id'));
    }
    validateKey(key) {
      return result(this.#raw.validateKey(record(key, 'key')));
    }
    keysHolding(filterId) {
      return this.#raw.keysHolding(string(filterId, 'filterId'));
    }
    editImpact(filterId, edit, entities) {
      const id = string(filterId, 'filterId');
      const e = record(edit, 'edit');
      return withSet(entities, (set) => result(this.#raw.editImpact(id, e, set)));
    }
    decide(key, request, data) {
      const req = record(request, 'request');
      if (request.operation === 'list') return withSet(data, (set) => result(this.#raw.decideList(keyId(key), req, set)));
      const entity = entityText(data);
      const id = keyId(key);
      return decision(this.#raw.decideOneInput(id, req, entity === undefined ? -1 : input(entity)));
    }
    explain(key, request, data) {
      const req = record(request, 'request');
      if (request.operation === 'list') return withSet(data, (set) => result(this.#raw.explainList(keyId(key), req, set)));
      return result(this.#raw.explainOne(keyId(key), req, entityText(data)));
    }
    authorizeList(key, request) {
      return result(this.#raw.authorizeList(keyId(key), record(request, 'request')));
    }
    filterIds(key, request, entities) {
      const req = record(request, 'request');
      return withSet(entities, (set) => result(this.#raw.filterIds(keyId(key), req, set)));
    }
  }

  return {
    parse: (text) => result(raw.parse(string(text, 'text'))),
    format: (predicate) => result(raw.format(anyJson(predicate, 'predicate'))),
    validate: (filter) => result(raw.validate(record(filter, 'filter'))),
    matches: (filter, attributes) => result(raw.matches(record(filter, 'filter'), record(attributes, 'attributes'))),
    preview: (filter, entities) => {
      const f = record(filter, 'filter');
      return withSet(entities, (set) => result(raw.preview(f, set)));
    },
    describeSchema: () => result(raw.describeSchema()),
    validateGrants: (world, key) => result(raw.validateGrants(record(world, 'world'), record(key, 'key'))),
    decide: (world, key, request) =>
      result(raw.decideInWorld(record(world, 'world'), key === null ? 'null' : record(key, 'key'), record(request, 'request'), false)),
    explain: (world, key, request) =>
      result(raw.decideInWorld(record(world, 'world'), key === null ? 'null' : record(key, 'key'), record(request, 'request'), true)),
    EntitySet,
    Store,
  };
}
