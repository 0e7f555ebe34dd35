// The package's public API, shared by the Node, browser and workerd entries. The raw bindings
// (gen/portcullis.js, from src/wasm/) take and return JSON text; this layer turns objects
// into text and back, throws a TypeError for misuse, and offers EntitySet so that data sent
// once is not re-sent (and re-parsed) on every preview or list decision.

const DENY = [undefined, 'invalid_token', 'insufficient_scope', 'not_found'];
const MISUSE = '{"type_error":';
const OPERATIONS = ['get', 'list', 'create', 'update', 'download'];
const PREPARABLE = ['get', 'list', 'download'];

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

/** A value as a misuse message names it: `number 5`, `string "get"`, `an array`, `undefined`. */
function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object': return 'an object';
    case 'function': return 'a function';
    case 'string': return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'symbol': return 'a symbol';
    default: return `${typeof v} ${String(v)}`;
  }
}

/** "a", "b" or "c": names for a message. */
function oneOf(names) {
  const q = names.map((n) => JSON.stringify(n));
  return q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/** A request as JSON text, its required fields checked here so that the message says what to
 * pass (the engine checks the rest: a field of the wrong type, odd JSON). */
function requestText(v, operations = OPERATIONS, what = 'request') {
  if (!isRecord(v) || !operations.includes(v.operation) || typeof v.workspace_id !== 'string' || typeof v.entity_type !== 'string') {
    throw requestMisuse(v, operations, what);
  }
  return JSON.stringify(v);
}

/** What is wrong with a request {@link requestText} refuses. */
function requestMisuse(v, operations, what) {
  const shape = `an object with operation (${oneOf(operations)}), workspace_id and entity_type`;
  if (!isRecord(v)) return misuse(`${what}: expected ${shape}, got ${describe(v)}`);
  const op = v.operation;
  if (!operations.includes(op)) {
    if (operations === PREPARABLE && (op === 'create' || op === 'update')) {
      return misuse(`${what}.operation: store.prepare takes ${oneOf(operations)}; decide ${op === 'update' ? 'an' : 'a'} ${op}, whose attributes are part of the request, with store.decide(keyId, request)`);
    }
    return misuse(op === undefined
      ? `${what}: expected ${shape}; operation is missing`
      : `${what}.operation: expected ${oneOf(operations)}, got ${describe(op)}`);
  }
  const field = typeof v.workspace_id !== 'string' ? 'workspace_id' : 'entity_type';
  const f = v[field];
  return misuse(f === undefined ? `${what}: expected ${shape}; ${field} is missing` : `${what}.${field}: expected a string, got ${describe(f)}`);
}

/** What is wrong with an entity as the engine reads one, or undefined: a guess at the cause of
 * a misuse the engine reported, made only once it did (never on the hot path). */
function entityProblem(e) {
  if (!isRecord(e)) return `expected an object with id, workspace_id, entity_type and attributes, got ${describe(e)}`;
  for (const field of ['id', 'workspace_id', 'entity_type']) {
    if (e[field] === undefined) return `\`${field}\` is missing`;
    if (typeof e[field] !== 'string') return `.${field}: expected a string, got ${describe(e[field])}`;
  }
  if (e.attributes !== undefined && !isRecord(e.attributes)) return `.attributes: expected an object, got ${describe(e.attributes)}`;
  return undefined;
}

/** `what` and a problem, as one message: `entities[2].id: expected ...`, `entity: ...`. */
function at(what, problem) {
  return problem.startsWith('.') ? `${what}${problem}` : `${what}: ${problem}`;
}

/**
 * Misuse the engine reported, in the caller's terms. `message` is `<what>: <problem>`, where
 * the problem ends with ` at byte N` when JSON text was not well-formed there. `source` is the
 * JSON text the caller gave, if it gave one: the offset becomes an index into it (a JavaScript
 * string index, `text.slice(i)`); when the text was this layer's own (an object it
 * stringified), the offset means nothing to the caller and is left out. `entities`, when the
 * caller gave an array of entities (or `entity`, one), lets the message name the first one
 * the engine cannot read, as `entities[i]`.
 */
function engineMisuse(message, { source, entities, entity, as } = {}) {
  const m = / at byte (\d+)$/.exec(message);
  if (m) {
    message = message.slice(0, m.index);
    if (typeof source === 'string') message += ` (at index ${utf16Index(source, Number(m[1]))} of the JSON text)`;
  }
  if (Array.isArray(entities) && message.startsWith('entities: ')) {
    for (let i = 0; i < entities.length; i++) {
      const p = entityProblem(entities[i]);
      if (p !== undefined) {
        message = at(`entities[${i}]`, p);
        break;
      }
    }
  } else if (entity !== undefined && typeof entity !== 'string' && message.startsWith('entity: ')) {
    const p = entityProblem(entity);
    if (p !== undefined) message = at('entity', p);
  }
  // The engine's name for the argument, as the caller named it (`firm` as `world.firms[0]`).
  if (as !== undefined && message.startsWith(as[0]) && /^[:.[]/.test(message.slice(as[0].length))) {
    message = as[1] + message.slice(as[0].length);
  }
  return misuse(message);
}

/** The UTF-16 index in `text` of its UTF-8 byte offset `byte`. */
function utf16Index(text, byte) {
  let b = 0;
  let i = 0;
  for (const c of text) {
    if (b >= byte) break;
    const cp = c.codePointAt(0);
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += c.length;
  }
  return i;
}

function result(text, context) {
  if (text.startsWith(MISUSE)) throw engineMisuse(JSON.parse(text).type_error, context);
  return JSON.parse(text);
}

// Diagnostics rendered for a terminal or a log, as the crate's `Diagnostic::render` renders
// them (src/diagnostic.rs), byte for byte: pure presentation over the engine's spans.

/** Line `n` (from 0) of `source` as the crate's renderer counts lines: split at `\n`, a `\r`
 * before it dropped, no line after a final `\n`; `''` past the last. */
function lineOf(source, n) {
  const parts = source.split('\n');
  if (n < 0 || n >= parts.length) return '';
  const line = parts[n];
  if (n === parts.length - 1) return line; // not followed by `\n`: kept as it is
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * A diagnostic rendered for a terminal or a log: `error[code]: message`, then, when `source`
 * is the text the diagnostic's span points into, its line with carets under the span (else
 * the diagnostic's JSON path, if it has one), then the help. The same text as the crate's
 * `Diagnostic::render` and the CLI's `portcullis check`.
 */
export function renderDiagnostic(diagnostic, source) {
  if (!isRecord(diagnostic)) throw misuse(`diagnostic: expected an object with severity, code and message, got ${describe(diagnostic)}`);
  if (source !== undefined && source !== null && typeof source !== 'string') {
    throw misuse(`source: expected the text the diagnostic's span points into (a string), or nothing, got ${describe(source)}`);
  }
  const { severity, code, message, help } = diagnostic;
  const location = isRecord(diagnostic.location) ? diagnostic.location : {};
  const span = isRecord(location.span) ? location.span : undefined;
  let out = `${severity}[${code}]: ${message}\n`;
  if (span !== undefined && typeof source === 'string') {
    const line = Math.max(1, span.line | 0);
    const column = Math.max(1, span.column | 0);
    const gutter = String(line);
    const pad = ' '.repeat(gutter.length);
    let width = 0;
    for (const c of source.slice(span.utf16_start, span.utf16_end)) {
      if (c === '\n') break;
      width++;
    }
    out += `${pad} --> line ${line}, column ${column}\n`;
    out += `${gutter} | ${lineOf(source, line - 1)}\n`;
    out += `${pad} | ${' '.repeat(column - 1)}${'^'.repeat(Math.max(width, 1))}\n`;
  } else if (typeof location.path === 'string') {
    out += `  --> ${location.path}\n`;
  }
  if (help !== undefined && help !== null) out += `  = help: ${help}\n`;
  return out;
}

const encoder = new TextEncoder();

/** Wrap the raw bindings of an initialised module; `exports` are its wasm exports. The service
 * module (the `portcullis/service` entry) has bindings the main one does not; a wrapper of one
 * it lacks throws a TypeError that names the entry to import. */
export function bind(raw, exports) {
  // A service binding; where the module lacks it, a TypeError that says where it is, before
  // any argument is looked at.
  function service(fn, name) {
    if (typeof fn === 'function') return fn;
    throw misuse(`${name} is in the service module: import it from 'portcullis/service'`);
  }
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

  // The engine's entity set for an array of entities or its JSON text; `what` names the
  // argument in messages.
  function load(entities, what) {
    let text;
    if (typeof entities === 'string') text = entities;
    else if (Array.isArray(entities)) text = JSON.stringify(entities);
    else throw misuse(`${what}: expected an array of entities, its JSON text or an EntitySet, got ${describe(entities)}`);
    try {
      return raw.EntitySet.fromInput(input(text));
    } catch (e) {
      throw engineMisuse(String(e), { source: entities, entities, as: ['entities', what] });
    }
  }

  /** Entities loaded into the engine once: parsed and typed, ready for previews, list
   * decisions and edit impact. Give an array of entities or its JSON text. */
  class EntitySet {
    #raw;
    constructor(entities) {
      this.#raw = load(entities, 'entities');
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
  function withSet(entities, fn, what = 'entities') {
    if (entities instanceof EntitySet) return fn(EntitySet.raw(entities));
    const set = load(entities ?? [], what);
    try {
      return fn(set);
    } finally {
      set.free();
    }
  }

  // The entity of a get, update or download: its JSON text, or undefined for none.
  function entityText(e) {
    if (e === null || e === undefined) return undefined;
    if (typeof e === 'string') return e;
    if (!isRecord(e)) throw misuse(`entity: expected an entity (an object), its JSON text or null, got ${describe(e)}`);
    return JSON.stringify(e);
  }

  // A world (firms, filters and entities in one document) loaded for one call: a store
  // holding its firms and filters, an entity set holding its entities. As when a world is
  // loaded natively, a firm or filter the store refuses is left out (it grants nothing); a
  // record of the wrong shape is misuse.
  function inWorld(world, fn) {
    if (!isRecord(world)) throw misuse(`world: expected an object with firms, filters and entities (arrays), got ${describe(world)}`);
    const list = (field) => {
      const v = world[field];
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw misuse(`world.${field}: expected an array, got ${describe(v)}`);
      return v;
    };
    const store = new raw.Store();
    try {
      list('firms').forEach((f, i) => {
        const what = `world.firms[${i}]`;
        result(store.putFirm(record(f, what)), { as: ['firm', what] });
      });
      list('filters').forEach((f, i) => {
        const what = `world.filters[${i}]`;
        result(store.putFilter(record(f, what)), { as: ['record', what] });
      });
      return withSet(list('entities'), (set) => fn(store, set), 'world.entities');
    } finally {
      store.free();
    }
  }

  // One decision (or explanation) over a world for a key given in full (`null`: unknown
  // credentials).
  function decideInWorld(world, key, request, explain) {
    const explainInSet = explain && service(raw.Store.prototype.explainInSet, 'explain');
    const k = key === null ? null : record(key, 'key');
    const req = requestText(request);
    return inWorld(world, (store, set) => {
      if (k !== null) result(store.putKey(k));
      const id = k === null ? undefined : key.id;
      return result(explain ? explainInSet.call(store, id, req, set) : store.decideInSet(id, req, set));
    });
  }

  // A prepared decision's answer: one frozen object per outcome, shared, so a hot loop
  // allocates nothing for it.
  // Indexed by the decision's number (status × 4 + deny code, under 2,400 for any HTTP
  // status): a dense array's read, not a hash.
  const decisions = new Array(2400).fill(null);
  function shared(n, entity) {
    const d = decisions[n];
    if (d != null) return d;
    const made = Object.freeze(decision(n, entity));
    if (n < decisions.length) decisions[n] = made;
    return made;
  }

  // `entity`, `entities`: what the caller gave, for a misuse's message (see engineMisuse).
  function decision(n, entity, entities) {
    if (n === 0) throw engineMisuse(raw.lastError(), { source: entity, entity, entities });
    const code = DENY[n & 3];
    return code === undefined ? { status: n >>> 2 } : { status: n >>> 2, code };
  }


  // Prepared decisions (`store.prepare`): see src/wasm/decider.rs for the encoding. An entity
  // is written as a few 32-bit words following the decider's plan; anything the words cannot
  // carry exactly goes as JSON text, which the engine reads as `decide` does.
  const UNKNOWN = 0xffffffff;
  const OTHER = 0xfffffffe;
  // An entity record's kind, its first word (src/wasm/decider.rs, `kind`).
  const HERE = 0, ELSEWHERE = 1, TEXT = 2, NOTHING = 3;
  const STALE = 1;
  const SPILL = -1; // an encoder's answer: send this entity as JSON text
  const f64 = new Float64Array(1);
  const f64Words = new Uint32Array(f64.buffer);

  // A value JSON.stringify would not write as it is (a toJSON method, a BigInt, an object
  // whose contents the engine would read): the entity goes as JSON text.
  function opaque(v) {
    const t = typeof v;
    return (t === 'object' && v !== null) || t === 'bigint';
  }

  function plain(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.toJSON !== 'function';
  }

  /** Growable words and bytes, written in JavaScript and copied into the decider at once. */
  class Encoding {
    words = new Uint32Array(64);
    // The capacity of `words`, kept apart: a typed array's length is a slower read.
    cap = 64;
    n = 0;
    bytes = new Uint8Array(256);
    bn = 0;
    reset() {
      this.n = 0;
      this.bn = 0;
    }
    word(x) {
      if (this.n === this.cap) this.grow();
      this.words[this.n++] = x;
    }
    grow() {
      const w = new Uint32Array(this.cap * 2);
      w.set(this.words);
      this.words = w;
      this.cap = w.length;
    }
    // A string's UTF-8 bytes: two words, offset and length.
    text(s) {
      const need = this.bn + s.length * 3;
      if (need > this.bytes.length) {
        const b = new Uint8Array(Math.max(need, this.bytes.length * 2));
        b.set(this.bytes.subarray(0, this.bn));
        this.bytes = b;
      }
      const { written } = encoder.encodeInto(s, this.bytes.subarray(this.bn));
      this.word(this.bn);
      this.word(written);
      this.bn += written;
    }
  }

  // One text against an attribute's dictionary: its index, OTHER for a well-formed text
  // outside it, or SPILL (a text that is not well-formed UTF-16, which the engine's reader
  // refuses). A few texts are compared in turn, which is quicker than hashing; more, in a Map.
  function symbol(a, s) {
    const few = a.few;
    if (few !== null) {
      for (let i = 0; i < few.length; i++) if (few[i] === s) return i;
    } else {
      const i = a.many.get(s);
      if (i !== undefined) return i;
    }
    return s.isWellFormed() ? OTHER : SPILL;
  }

  // Write one attribute's value; false when the entity must go as JSON text.
  function attribute(enc, a, v) {
    switch (a.type) {
      case 'text': {
        if (typeof v !== 'string') {
          if (opaque(v)) return false;
          enc.word(UNKNOWN);
          return true;
        }
        const x = symbol(a, v);
        if (x === SPILL) return false;
        enc.word(x);
        return true;
      }
      case 'list': {
        if (!Array.isArray(v) || typeof v.toJSON === 'function') {
          if (opaque(v)) return false;
          enc.word(UNKNOWN);
          return true;
        }
        const start = enc.n;
        enc.word(v.length);
        let typed = true;
        for (let i = 0; i < v.length; i++) {
          const s = v[i];
          if (typeof s === 'string') {
            const x = symbol(a, s);
            if (x === SPILL) return false;
            enc.word(x);
          } else if (opaque(s)) {
            return false;
          } else {
            typed = false; // a list holding a non-text is of the wrong type: unknown
          }
        }
        if (!typed) {
          enc.n = start;
          enc.word(UNKNOWN);
        }
        return true;
      }
      case 'number':
        if (typeof v === 'number' && Number.isFinite(v)) {
          f64[0] = v;
          enc.word(1);
          enc.word(f64Words[0]);
          enc.word(f64Words[1]);
          return true;
        }
        if (opaque(v)) return false;
        enc.word(0); // JSON writes NaN and the infinities as null
        return true;
      case 'bool':
        if (typeof v === 'boolean') {
          enc.word(v ? 2 : 1);
          return true;
        }
        if (opaque(v)) return false;
        enc.word(0);
        return true;
      default: // uuid, date: the engine parses the text
        if (typeof v === 'string') {
          if (!v.isWellFormed()) return false;
          enc.text(v);
          return true;
        }
        if (opaque(v)) return false;
        enc.word(UNKNOWN);
        return true;
    }
  }

  class Decider {
    #raw;
    #store;
    #rawStore;
    #key;
    #request;
    #operation;
    #list;
    #plan;
    #attrs;
    #memo = new Map();
    #seen = [];
    #enc = new Encoding();
    #capWords = 0;
    #capBytes = 0;
    #wordsAt = 0;
    #bytesAt = 0;
    #u32;
    #u8;

    constructor(rawStore, store, keyId, requestText, operation) {
      this.#store = store;
      this.#rawStore = rawStore;
      this.#key = keyId;
      this.#request = requestText;
      this.#operation = operation;
      this.#list = operation === 'list';
      this.#raw = new raw.Decider(rawStore, keyId, requestText);
      this.#load();
    }

    /** The operation it was prepared for: "get", "list" or "download". */
    get operation() {
      return this.#operation;
    }

    #load() {
      const plan = JSON.parse(this.#raw.plan());
      this.#plan = plan;
      this.#attrs = plan.attrs.map((a) => {
        const dict = a.dict ?? [];
        const few = dict.length <= 8 ? dict : null;
        return { name: a.name, type: a.type, few, many: few ? null : new Map(dict.map((s, i) => [s, i])) };
      });
      this.#memo.clear();
      this.#seen = [];
    }

    #alive() {
      if (!this.#raw) throw misuse('this Decider was freed');
      if (!Store.alive(this.#store)) throw misuse('the Store of this Decider was freed');
      return this.#raw;
    }

    free() {
      this.#raw?.free();
      this.#raw = undefined;
    }

    // Whether an entity's workspace_id names the request's workspace: exact text first, then
    // the engine's answer, remembered for the texts seen (workspaces are few: the first ones
    // compared in turn, which is quicker than hashing, then a bounded Map).
    #inWorkspace(ws) {
      if (ws === this.#plan.workspace) return true;
      const seen = this.#seen;
      for (let i = 0; i < seen.length; i += 2) if (seen[i] === ws) return seen[i + 1];
      let v = this.#memo.get(ws);
      if (v === undefined) {
        v = this.#raw.sameWorkspace(ws);
        if (seen.length < 16) seen.push(ws, v);
        else if (this.#memo.size < 256) this.#memo.set(ws, v);
      }
      return v;
    }

    // Write one entity record; false when it must go as JSON text instead. Only what the
    // decision reads is looked at: an entity elsewhere needs no more than its workspace and
    // type, and a list's ids (`withId`) are checked to be text the engine would read as is.
    #record(e, id, withId) {
      const enc = this.#enc;
      if (!plain(e)) return false;
      const eid = e.id, ws = e.workspace_id, type = e.entity_type, a = e.attributes;
      if (typeof eid !== 'string' || typeof ws !== 'string' || typeof type !== 'string') return false;
      if (id !== undefined && id !== eid) return false;
      if (type !== this.#plan.entityType || !this.#inWorkspace(ws)) {
        enc.word(ELSEWHERE);
        return true;
      }
      if ((a !== undefined && !plain(a)) || (withId && !eid.isWellFormed())) return false;
      const start = enc.n;
      enc.word(HERE);
      // The first attributes each read at a site of their own: a property read that always
      // sees one name is cached as a named read, where one read of changing names is a
      // lookup each time.
      const attrs = this.#attrs;
      const n = attrs.length;
      const none = a === undefined;
      if (n > 0 && !attribute(enc, attrs[0], none ? undefined : a[attrs[0].name])) return this.#undo(start);
      if (n > 1 && !attribute(enc, attrs[1], none ? undefined : a[attrs[1].name])) return this.#undo(start);
      if (n > 2 && !attribute(enc, attrs[2], none ? undefined : a[attrs[2].name])) return this.#undo(start);
      if (n > 3 && !attribute(enc, attrs[3], none ? undefined : a[attrs[3].name])) return this.#undo(start);
      for (let i = 4; i < n; i++) {
        const at = attrs[i];
        if (!attribute(enc, at, none ? undefined : a[at.name])) return this.#undo(start);
      }
      return true;
    }

    #undo(start) {
      this.#enc.n = start;
      return false;
    }

    #spill(e) {
      const enc = this.#enc;
      enc.word(TEXT);
      enc.text(typeof e === 'string' ? e : JSON.stringify(e));
    }

    // Copy the encoding into the decider's memory.
    #send() {
      const enc = this.#enc;
      const r = this.#raw;
      if (enc.n > this.#capWords || enc.bn > this.#capBytes) {
        this.#capWords = Math.max(enc.n, this.#capWords * 2, 64);
        this.#capBytes = Math.max(enc.bn, this.#capBytes * 2, 256);
        r.reserve(this.#capWords, this.#capBytes);
        this.#wordsAt = r.wordsAt() >>> 2;
        this.#bytesAt = r.bytesAt();
      }
      // A grown memory detaches the old views (their length drops to 0).
      if (this.#u32 === undefined || this.#u32.length === 0) {
        const buffer = exports.memory.buffer;
        this.#u32 = new Uint32Array(buffer);
        this.#u8 = new Uint8Array(buffer);
      }
      const u32 = this.#u32;
      const n = enc.n;
      if (n <= 32) {
        const w = enc.words;
        const at = this.#wordsAt;
        for (let i = 0; i < n; i++) u32[at + i] = w[i];
      } else {
        u32.set(enc.words.subarray(0, n), this.#wordsAt);
      }
      if (enc.bn > 0) this.#u8.set(enc.bytes.subarray(0, enc.bn), this.#bytesAt);
    }

    /** Decide a get or a download of `entity` (an object, its JSON text, or null for none);
     * when `id` is given (the id in the request's path), the entity must carry it. */
    decide(entity, id) {
      const r = this.#alive();
      if (this.#list) throw misuse('this Decider was prepared for a list: use list(entities)');
      if (id !== undefined && typeof id !== 'string') string(id, 'id');
      for (;;) {
        const enc = this.#enc;
        enc.reset();
        let spilled = false;
        if (entity === null || entity === undefined) enc.word(NOTHING);
        else if (typeof entity === 'string' || !this.#record(entity, id, false)) {
          if (typeof entity !== 'string' && !isRecord(entity)) {
            throw misuse(`entity: expected an object, its JSON text or null, got ${describe(entity)}`);
          }
          this.#spill(entity);
          spilled = true;
        }
        this.#send();
        const n = r.decideOne(this.#plan.version, enc.n, enc.bn, spilled ? id : undefined);
        if (n !== STALE) return shared(n, entity);
        this.#load();
      }
    }

    /** Decide a list over entities (an array, its JSON text, or an EntitySet): `{status: 200,
     * ids}` with the ids of those in scope, in order, or the refusal. */
    list(entities) {
      const r = this.#alive();
      if (!this.#list) throw misuse('this Decider was not prepared for a list: use decide(entity)');
      if (entities instanceof EntitySet || typeof entities === 'string') {
        // Loaded (or to load) into the engine: the store's own list decision over the set,
        // for the same key and request, which answers as the prepared one does.
        return withSet(entities, (set) => result(this.#rawStore.decideInSet(this.#key, this.#request, set)));
      }
      if (!Array.isArray(entities)) {
        throw misuse(`entities: expected an array of entities, its JSON text or an EntitySet, got ${describe(entities)}`);
      }
      for (;;) {
        const enc = this.#enc;
        enc.reset();
        for (let i = 0; i < entities.length; i++) {
          const e = entities[i];
          if (!this.#record(e, undefined, true)) {
            if (!isRecord(e)) throw misuse(`entities[${i}]: expected an object, got ${describe(e)}`);
            this.#spill(e);
          }
        }
        this.#send();
        const n = r.decideMany(this.#plan.version, entities.length, enc.n, enc.bn);
        if (n === STALE) {
          this.#load();
          continue;
        }
        const d = decision(n, undefined, entities);
        if (d.status !== 200) return d;
        const count = r.matchedLength();
        const at = r.matchedAt() >>> 2;
        const matched = new Uint32Array(exports.memory.buffer, at * 4, count);
        const ids = new Array(count);
        for (let i = 0; i < count; i++) ids[i] = entities[matched[i]].id;
        d.ids = ids;
        return d;
      }
    }
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
    static alive(store) {
      return store.#store !== undefined;
    }
    /** Prepare a request (without its entity) for many decisions: see `Decider`. */
    prepare(key, request) {
      const req = requestText(request, PREPARABLE);
      try {
        return new Decider(this.#raw, this, keyId(key), req, request.operation);
      } catch (e) {
        if (e instanceof TypeError) throw e;
        throw engineMisuse(String(e));
      }
    }
    putFirm(firm) {
      return result(this.#raw.putFirm(record(firm, 'firm')));
    }
    putFilter(rec) {
      return result(this.#raw.putFilter(record(rec, 'record')));
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
    keyIdsHolding(filterId) {
      return JSON.parse(this.#raw.keyIdsHolding(string(filterId, 'filterId')));
    }
    editImpact(filterId, edit, entities) {
      const id = string(filterId, 'filterId');
      const e = record(edit, 'edit');
      return withSet(entities, (set) => result(this.#raw.editImpact(id, e, set)));
    }
    decide(key, request, data) {
      const req = requestText(request);
      if (request.operation === 'list') return withSet(data, (set) => result(this.#raw.decideInSet(keyId(key), req, set)));
      const entity = entityText(data);
      const id = keyId(key);
      return decision(this.#raw.decideOneInput(id, req, entity === undefined ? -1 : input(entity)), data);
    }
    explain(key, request, data) {
      const raw = this.#raw;
      const explainInSet = service(raw.explainInSet, 'Store.explain');
      const req = requestText(request);
      if (request.operation === 'list') {
        return withSet(data, (set) => result(explainInSet.call(raw, keyId(key), req, set)));
      }
      const explainOne = service(raw.explainOne, 'Store.explain');
      return result(explainOne.call(raw, keyId(key), req, entityText(data)), { source: data, entity: data });
    }
    authorizeList(key, request) {
      const raw = this.#raw;
      const authorize = service(raw.authorizeList, 'Store.authorizeList');
      return result(authorize.call(raw, keyId(key), requestText(request)));
    }
    decideListPage(key, request, scopeMatches, entities) {
      const raw = this.#raw;
      const decideListPage = service(raw.decideListPage, 'Store.decideListPage');
      if (typeof scopeMatches !== 'boolean') throw misuse(`scopeMatches: expected a boolean, got ${describe(scopeMatches)}`);
      const req = requestText(request);
      return withSet(entities, (set) => result(decideListPage.call(raw, keyId(key), req, scopeMatches, set)));
    }
    acceptsCredentials(key, sourceIp) {
      const raw = this.#raw;
      const accepts = service(raw.acceptsCredentials, 'Store.acceptsCredentials');
      if (sourceIp !== undefined && sourceIp !== null) string(sourceIp, 'sourceIp');
      return accepts.call(raw, keyId(key), sourceIp ?? undefined);
    }
    validateKeyChange(change) {
      const validate = service(this.#raw.validateKeyChange, 'Store.validateKeyChange');
      if (!isRecord(change)) throw misuse(`change: expected an object with key, and optionally previous and viewer_firm, got ${describe(change)}`);
      const previous = change.previous === undefined || change.previous === null ? undefined : record(change.previous, 'change.previous');
      const viewer = change.viewer_firm === undefined || change.viewer_firm === null ? undefined : string(change.viewer_firm, 'change.viewer_firm');
      return result(validate.call(this.#raw, record(change.key, 'change.key'), previous, viewer));
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
    previewPredicate: (input, entities) => {
      const p = record(input, 'input');
      return withSet(entities, (set) => result(raw.previewPredicate(p, set)));
    },
    describeSchema: () => result(raw.describeSchema()),
    checkAttributes: (entityType, attributes) => {
      const check = service(raw.checkAttributes, 'checkAttributes');
      return result(check(string(entityType, 'entityType'), anyJson(attributes, 'attributes')));
    },
    systemFilters: (firm) => result(raw.systemFilters(record(firm, 'firm'))),
    compileSql: (input) => {
      const compileFilter = service(raw.compileSql, 'compileSql');
      if (!isRecord(input)) throw misuse(`input: expected an object with dialect, entity_type and predicate, predicate_text or scope, got ${describe(input)}`);
      const dialect = string(input.dialect, 'input.dialect');
      const mapping = input.mapping === undefined || input.mapping === null ? undefined : record(input.mapping, 'input.mapping');
      if (input.scope !== undefined) {
        return result(raw.compileScopeSql(dialect, string(input.entity_type, 'input.entity_type'), record(input.scope, 'input.scope'), mapping));
      }
      const { dialect: _d, mapping: _m, ...filter } = input;
      return result(compileFilter(dialect, JSON.stringify(filter), mapping));
    },
    isSystemFilter: (id) => service(raw.isSystemFilter, 'isSystemFilter')(string(id, 'id')),
    canonicalUuid: (id) => {
      const canonical = service(raw.canonicalUuid, 'canonicalUuid');
      return typeof id === 'string' ? canonical(id) ?? null : null;
    },
    validateGrants: (world, key) => {
      const k = record(key, 'key');
      return inWorld(world, (store) => result(store.validateKey(k)));
    },
    decide: (world, key, request) => decideInWorld(world, key, request, false),
    explain: (world, key, request) => decideInWorld(world, key, request, true),
    renderDiagnostic,
    EntitySet,
    Store,
    Decider,
  };
}
