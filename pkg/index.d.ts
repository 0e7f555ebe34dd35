// Type declarations for the portcullis wasm package. Hand-written and hand-checked: every
// shape here is produced by the Rust crate's types (src/wasm/ translates, nothing more;
// pkg/api.mjs carries it across the boundary as JSON text).
//
// Naming: functions and methods are camelCase; records keep the wire names of the SPEC
// (`workspace_id`, `entity_type`, ...) so a filter or key read from the REST API or a
// conformance file passes straight through without renaming.
//
// Errors: invalid *input* (a bad filter, an unknown key) never throws: it comes back as a
// structured result with `ok: false` / `valid: false` and diagnostics. Misuse of the API (a
// number where an object is required, a missing required field) throws a `TypeError`.

/** The four built-in entity types; a custom schema may declare others. */
export type EntityType = "family" | "detail" | "stash" | "tag" | (string & {});
export type Action = "read" | "write" | "download";
export type Operation = "get" | "list" | "create" | "update" | "download";
export type ValueType = "text" | "number" | "date" | "list" | "bool" | "uuid";
export type Operator =
  | "eq" | "neq" | "in" | "nin" | "gt" | "gte" | "lt" | "lte"
  | "intersects" | "contains" | "eq_set";

/** A JSON literal as it may appear as a condition value. */
export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

/** The predicate tree, JSON form (SPEC 2.2). */
export type Predicate = Condition | AndGroup | OrGroup | Not;
export interface Condition { attr: string; op: Operator | (string & {}); value: Literal }
export interface AndGroup { and: Predicate[] }
export interface OrGroup { or: Predicate[] }
export interface Not { not: Predicate }

export type ErrorCode =
  | "syntax_error" | "mixed_and_or" | "invalid_predicate"
  | "name_required" | "name_too_long" | "description_too_long"
  | "unknown_entity_type" | "unknown_attribute" | "attribute_not_supported"
  | "operator_not_allowed" | "invalid_value" | "invalid_uuid" | "invalid_date"
  | "empty_group" | "too_many_conditions" | "max_depth_exceeded" | "input_too_large"
  // grants (SPEC 4.1)
  | "unknown_workspace" | "workspace_mismatch" | "unknown_filter" | "invalid_action"
  | "action_not_allowed" | "filter_archived" | "invalid_ip_range"
  // store operations
  | "unknown_firm" | "filter_immutable" | "system_filter"
  // preview refusals also appear as diagnostics
  | "preview_not_supported" | "invalid_filter";
export type WarningCode = "not_searchable";
export type NoticeCode = "empty_text_value";

/** Where a problem is: a byte span of the text form, or a JSON path into the JSON form. */
export interface Span {
  /** Byte offsets into the UTF-8 text, end exclusive. */
  start: number;
  end: number;
  /** 1-based line and column (column counted in characters). */
  line: number;
  column: number;
  /** The same span as UTF-16 offsets, for JavaScript string indexing (`text.slice`). */
  utf16_start: number;
  utf16_end: number;
}
export interface Location {
  /** JSON path such as `$.predicate.and[2].value[1]` (JSON form and record fields). */
  path?: string;
  /** Span in the text form. */
  span?: Span;
}
export interface Diagnostic {
  code: ErrorCode | WarningCode | NoticeCode;
  /** `error` blocks saving; `warning` does not (SPEC 2.4); `notice` is a likely slip that the
   * contract allows, such as an empty text value. */
  severity: "error" | "warning" | "notice";
  /** A sentence a filter author can act on. */
  message: string;
  /** A hint: the operators allowed, the nearest attribute name ("did you mean ..."). */
  help?: string;
  location?: Location;
}

export type ParseResult =
  | { ok: true; predicate: Predicate; /** canonical text */ text: string }
  | { ok: false; errors: Diagnostic[] };
export type FormatResult = { ok: true; text: string } | { ok: false; errors: Diagnostic[] };

/** A filter to validate: either `predicate` (JSON form) or `predicate_text` (text form). */
export interface FilterInput {
  entity_type: EntityType;
  name: string;
  description?: string | null;
  predicate?: Predicate;
  predicate_text?: string;
}
export interface ValidationResult {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Likely slips the contract allows (an empty or blank text value): shown, never blocking. */
  notices: Diagnostic[];
  /** Present when the predicate parsed: its JSON form and canonical text. */
  predicate?: Predicate;
  text?: string;
  /** Present when valid: whether the filter can run on the search index (SPEC 4.3). */
  searchable?: boolean;
}

/** The filter part that evaluation needs (name not required). */
export interface PredicateInput {
  entity_type: EntityType;
  predicate?: Predicate;
  predicate_text?: string;
}
export type MatchResult = { ok: true; matches: boolean } | { ok: false; errors: Diagnostic[] };

export type Attributes = { [attr: string]: Literal };
export interface Entity {
  id: string;
  workspace_id: string;
  entity_type: EntityType;
  attributes: Attributes;
}

export type PreviewResult =
  | { ok: true; count: number; truncated: boolean }
  | { ok: false; error: "preview_not_supported" | "not_searchable" | "invalid_filter"; errors: Diagnostic[] };

export interface AttributeDescription {
  name: string;
  type: ValueType;
  /** False for attributes known but not filterable (detail `status`, `created_at` in v1). */
  filterable: boolean;
  /** Operators allowed for this attribute (empty when not filterable). */
  operators: Operator[];
  /** Whether detail list/search/preview can use it (SPEC 4.3); true for types without a search index. */
  searchable: boolean;
}
export interface EntityTypeDescription {
  name: EntityType;
  collection: string;
  actions: Action[];
  attributes: AttributeDescription[];
  /** Whether a filter of this type can be previewed. */
  previewable: boolean;
  /** Operators the search index refuses for this type (detail: `eq_set`). */
  unsearchable_operators: Operator[];
}
export interface Limits {
  max_depth: number;            // 5
  max_group_children: number;   // 10
  max_name_chars: number;       // 255
  max_description_chars: number; // 500
  max_text_bytes: number;       // 65536
  max_list_values: number;
  max_string_chars: number;
  preview_cap: number;          // 10000
}
export interface SchemaDescription {
  entity_types: EntityTypeDescription[];
  operators: { [T in ValueType]: Operator[] };
  limits: Limits;
}

/** A stored filter record (SPEC 2.1). */
export interface FilterRecord {
  id: string;
  workspace_id: string;
  entity_type: EntityType;
  name: string;
  description?: string | null;
  predicate?: Predicate;
  predicate_text?: string;
  archived?: boolean;
}
export interface Grant {
  /** Absent for `default:any`. */
  workspace_id?: string | null;
  /** A stored filter id, or a system filter name (`default:details`, `default:any`, ...). */
  filter: string;
  actions: string[];
}
export interface Key {
  id: string;
  firm_id: string;
  revoked?: boolean;
  allowed_ips?: string[] | null;
  grants: Grant[];
}
export interface Firm { id: string; workspaces: string[] }
export interface World { firms: Firm[]; filters: FilterRecord[]; entities: Entity[] }

export interface Request {
  operation: Operation;
  workspace_id: string;
  entity_type: EntityType;
  /** Entity id for get, update and download. */
  id?: string;
  /** The entity's full attribute set as it would be after a create or an update. */
  attributes?: Attributes;
  /** The address the request came from; absent means unknown. */
  source_ip?: string | null;
}

export type DenyCode = "invalid_token" | "insufficient_scope" | "not_found";
export interface Decision {
  status: 200 | 201 | 401 | 403 | 404;
  code?: DenyCode;
  /** For a 200 list: the ids of the entities the key may see. */
  ids?: string[];
}

/** How a list is scoped: everything of the type, or entities matching any of these predicates. */
export type Scope = { all: true } | { all: false; any: Predicate[] };
export type ListAuthorization =
  | {
      status: 200;
      scope: Scope;
      /** True when every eligible grant is a stored filter: if `scope` matches no entity of the
       * type in the workspace (whatever the caller's own search), the answer is 403
       * insufficient_scope (SPEC 4.4 step 3). */
      require_match: boolean;
    }
  | { status: 401 | 403 | 404; code: DenyCode };

export type Ineligibility =
  | "other_firm" | "other_workspace" | "other_entity_type" | "action_not_granted"
  | "archived" | "not_searchable" | "unknown_filter" | "invalid_grant";
/** A condition's three-valued result. */
export type TruthValue = "true" | "false" | "unknown";
export interface GrantExplanation {
  index: number;
  filter: string;
  workspace_id?: string | null;
  actions: string[];
  eligible: boolean;
  reason?: Ineligibility;
  /** For an eligible grant tested against an entity. */
  matched?: boolean;
  /** For an eligible grant of a list: how many of the given entities it matched. */
  match_count?: number;
  /** For a non-match: the first condition that was false or unknown, in canonical text. */
  failed_condition?: { text: string; path: string; result: TruthValue; negated: boolean };
}
export interface Explanation {
  decision: Decision;
  /** The step of the decision that settled it. */
  step: Step;
  action?: Action;
  grants: GrantExplanation[];
  summary: string;
}

/** The step of a decision that settled it. */
export type Step =
  | "unknown_credentials" | "revoked_credentials" | "source_not_allowed"
  | "no_such_entity_type" | "action_not_on_entity_type" | "no_eligible_grant"
  | "not_found" | "read_granted" | "list_matches_nothing" | "listed"
  | "create_outside_scope" | "created" | "no_such_entity" | "visible_but_not_granted"
  | "not_visible" | "update_leaves_scope" | "granted";

export interface GrantReport { valid: boolean; errors: Diagnostic[] }

/** A change to a key as an admin makes it, for {@link Store.validateKeyChange}. */
export interface KeyChange {
  /** The key as the change would leave it. */
  key: Key;
  /** The key before the change (absent for a new key). A grant equal to one it had is kept:
   * a kept grant on a filter archived since is inert, not a reason to refuse the change. */
  previous?: Key | null;
  /** The firm of the admin making the change (absent: an operator). To a firm admin another
   * firm's filter does not exist: naming one is `unknown_filter`. */
  viewer_firm?: string | null;
}

/** A system filter of a firm: exists without being stored, cannot be edited or archived. */
export interface SystemFilter {
  /** The literal name a grant uses, e.g. "default:details". */
  id: string;
  firm_id: string;
  /** Null for the firm-global "default:any". */
  workspace_id: string | null;
  /** Null for "default:any", which matches every type. */
  entity_type: EntityType | null;
  firm_global: boolean;
  description: string;
}
export interface EditImpact { keys: number; gained: string[]; lost: string[] }

/** Entity data for previews, list decisions and edit impact: an array of entities, its JSON
 * text (for instance a response body, passed on without parsing), or a loaded EntitySet. */
export type Entities = Entity[] | string | EntitySet;

/** Entities loaded into the engine once (parsed and typed), so that repeated previews and
 * list decisions over the same data do not re-send it. Entities of a type the schema does not
 * know are left out. Throws a TypeError for malformed input. */
export class EntitySet {
  constructor(entities: Entity[] | string);
  /** How many entities the set holds. */
  readonly length: number;
  /** Release the engine's copy now (it is also released when the set is collected). */
  free(): void;
}

export function parse(text: string): ParseResult;
export function format(predicate: Predicate): FormatResult;
export function validate(filter: FilterInput): ValidationResult;
export function matches(filter: PredicateInput, attributes: Attributes): MatchResult;
export function preview(filter: FilterInput, entities: Entities): PreviewResult;
/** The preview of a predicate alone (no name or description needed): what `preview` answers
 * for a filter with that predicate, so a count can show while the filter is still unnamed. */
export function previewPredicate(input: PredicateInput, entities: Entities): PreviewResult;
export function describeSchema(): SchemaDescription;
/** From `portcullis/service`. Check an entity's attributes for a create or an update: unknown attributes, attributes the
 * data service assigns (`created_at`), and values not of their attribute's type (dates and
 * UUIDs read as evaluation reads them). `null` is accepted: absent, or removed by a patch. */
export function checkAttributes(entityType: string, attributes: Attributes):
  | { ok: true }
  | { ok: false; errors: Diagnostic[] };
/** The system filters of a firm with these workspaces: per workspace one per entity type,
 * then "default:any". */
export function systemFilters(firm: Firm): SystemFilter[];
/** A bind parameter of a compiled query, typed as its column is. */
export type SqlParam =
  | { type: "text"; value: string }
  | { type: "number"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "uuid"; value: string }
  | { type: "text[]"; value: string[] }
  | { type: "number[]"; value: number[] }
  | { type: "uuid[]"; value: string[] };
/** A table mapping (see docs/pushdown.md); the default one when absent. */
export interface SqlMapping {
  tables: {
    entity_type: EntityType; table: string; id: string; workspace: string;
    columns: { attribute: string; column: string; storage: "text" | "number" | "bool" | "uuid" | "instant" | "text_list" }[];
  }[];
}
/** From `portcullis/service`: a filter, or a list's scope (as `authorizeList` answers it),
 * compiled to a SQL WHERE fragment and its bind parameters, exact to the engine's three-valued
 * logic: `$1`, `$2`... for PostgreSQL, `?1`, `?2`... for SQLite. */
export function compileSql(input:
  & { dialect: "postgres" | "sqlite"; entity_type: EntityType; mapping?: SqlMapping | null }
  & ({ predicate: Predicate } | { predicate_text: string } | { scope: Scope })):
  | { ok: true; sql: string; params: SqlParam[] }
  | { ok: false; errors: Diagnostic[] };
/** From `portcullis/service`. Whether a filter id is a system filter's name (the
 * `default:` names are reserved). */
export function isSystemFilter(id: string): boolean;
/** From `portcullis/service`. An id in canonical form (a lower-case hyphenated UUID), or
 * null when it is not a UUID:
 * entity, workspace and firm ids that are not UUIDs name nothing. */
export function canonicalUuid(id: unknown): string | null;
/** Validate a key's grants against a world (SPEC 4.1). */
export function validateGrants(world: World, key: Key): GrantReport;
/** One-shot decision over a world (compiles the world each call: use `Store` in servers). */
export function decide(world: World, key: Key | null, request: Request): Decision;
/** From `portcullis/service` (explanations are for admins and logs, on a server). */
export function explain(world: World, key: Key | null, request: Request): Explanation;

/** Filters and keys compiled once; decisions on demand. Call `free()` when done with it. */
export class Store {
  constructor();
  free(): void;
  /** Add or replace a firm and its workspaces. */
  putFirm(firm: Firm): { ok: true } | { ok: false; errors: Diagnostic[] };
  /** Add a filter, or edit one (its workspace and entity type are fixed at creation). */
  putFilter(record: FilterRecord):
    | { ok: true; warnings: Diagnostic[]; keys_affected: number }
    | { ok: false; errors: Diagnostic[] };
  archiveFilter(id: string): { ok: true } | { ok: false; errors: Diagnostic[] };
  /** The stored record with its canonical predicate and text, or null. */
  getFilter(id: string): (FilterRecord & { predicate: Predicate; predicate_text: string; archived: boolean }) | null;
  /** Add or replace a key. It is stored even with invalid grants (they are never eligible);
   * callers that must refuse invalid keys check `valid`. */
  putKey(key: Key): GrantReport;
  removeKey(id: string): boolean;
  /** Validate a key's grants without storing it. */
  validateKey(key: Key): GrantReport;
  /** How many keys hold this filter ("This will immediately affect N credentials"). */
  keysHolding(filterId: string): number;
  /** The ids of the keys `keysHolding` counts, in id order. */
  keyIdsHolding(filterId: string): string[];
  /** What an edit would do before it is saved: keys affected, entities gained and lost. */
  editImpact(filterId: string, edit: PredicateInput, entities: Entities):
    | ({ ok: true } & EditImpact)
    | { ok: false; errors: Diagnostic[] };
  /** Decide a request. For get/update/download pass the current entity (null when none), as
   * an object or as its JSON text (cheaper: no object walk); for list pass the entities (only
   * those of the request's workspace and type count); create needs neither. */
  decide(keyId: string | null, request: Request, data?: Entity | string | Entities | null): Decision;
  /** From `portcullis/service`: the main entry throws a TypeError naming it. */
  explain(keyId: string | null, request: Request, data?: Entity | string | Entities | null): Explanation;
  /** From `portcullis/service`. First half of a list decision, for callers that push the
   * scope down to their data (see `compileSql`). */
  authorizeList(keyId: string | null, request: Request): ListAuthorization;
  /** From `portcullis/service`. The whole list decision over one page a data service answered
   * for the pushed-down scope: `scopeMatches` is whether the scope alone matched any entity of
   * the type in the workspace (before the caller's own search narrowed it). `outside` counts the
   * page's entities outside the request's workspace, type or scope; they are never in `ids`. */
  decideListPage(keyId: string | null, request: Request, scopeMatches: boolean, entities: Entities): Decision & { outside: number };
  /** From `portcullis/service`. SPEC 4.4 step 1 alone: whether the key's credentials are accepted from this source
   * address (absent: unknown), whatever the request. */
  acceptsCredentials(keyId: string | null, sourceIp?: string | null): boolean;
  /** From `portcullis/service`. Validate a change to a key as an admin makes it (see
   * {@link KeyChange}). */
  validateKeyChange(change: KeyChange): GrantReport;
  /** Prepare a request for a key once, for many decisions (see {@link Decider}). A create or an
   * update cannot be prepared (TypeError): their attributes are part of the request. */
  prepare(keyId: string | null, request: PreparedRequest & { operation: "list" }): ListDecider;
  prepare(keyId: string | null, request: PreparedRequest & { operation: "get" | "download" }): EntityDecider;
}

/** A request without its entity: what {@link Store.prepare} resolves once. */
export interface PreparedRequest {
  operation: "get" | "list" | "download";
  workspace_id: string;
  entity_type: EntityType;
  source_ip?: string | null;
}

/** A prepared decision's answer: shared and frozen, so a hot loop allocates nothing for it. */
export type SharedDecision = Readonly<Pick<Decision, "status" | "code">>;

/**
 * A request prepared for one key: credentials, the entity type and the eligible grants are
 * resolved once, and each decision hands over only the attributes its filters read, as a few
 * numbers instead of JSON text. It follows its store: an edit, archive or revocation shows on
 * the very next decision. Answers equal {@link Store.decide}'s, with one difference: parts of an
 * entity no filter reads are not read, so a malformation there (a text that is not well-formed
 * UTF-16; any attribute of an entity of another workspace or type, which is refused unread) is
 * not refused with a TypeError as `decide` refuses it.
 */
export declare class Decider {
  /** Release it (it is also released when garbage collected). Using it afterwards, or after
   * its store was freed, throws a TypeError. */
  free(): void;
}

/** A prepared get or download. */
export interface EntityDecider extends Decider {
  /** Decide for one entity (an object, its JSON text, or null for none). When `id` (the id in
   * the request's path) is given, the entity must carry it. */
  decide(entity: Entity | string | null | undefined, id?: string): SharedDecision;
}

/** A prepared list. */
export interface ListDecider extends Decider {
  /** Decide a list over these entities: `{status: 200, ids}` (those of the request's workspace
   * and type in scope, in order) or the refusal. */
  list(entities: Entity[]): Decision;
}
