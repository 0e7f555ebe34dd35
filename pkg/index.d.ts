// Type declarations for the portcullis wasm package. Hand-written and hand-checked: every
// shape here is produced by the Rust crate's types (src/wasm/ translates, nothing more;
// pkg/api.mjs carries it across the boundary as JSON text), and tests/types/ holds them to
// `tsc --strict`.
//
// Naming: functions and methods are camelCase; records keep the wire names of the contract
// (docs/contract.md: `workspace_id`, `entity_type`, ...) so a filter or key read from the REST
// API or a conformance file passes straight through without renaming.
//
// Results: every answer is a discriminated union on its natural tag (`ok`, `valid`, `status`,
// `step`, `eligible`, `firm_global`), exact to what the engine returns: narrow on the tag and
// the fields of that case are there (`if (d.status === 200) d.ids` for a list).
//
// Inputs: arrays the package only reads are `readonly`, so frozen data and `as const`
// literals pass as they are.
//
// Errors: invalid *input* (a bad filter, an unknown key) never throws: it comes back as a
// structured result with `ok: false` / `valid: false` and diagnostics. Misuse of the API (a
// number where an object is required, a missing required field) throws a `TypeError` whose
// message names the argument and says what to pass.

/** The four built-in entity types; a custom schema may declare others. */
export type EntityType = "family" | "detail" | "stash" | "tag" | (string & {});
export type Action = "read" | "write" | "download";
export type Operation = "get" | "list" | "create" | "update" | "download";
/** The operations {@link Store.prepare} takes: those whose entity alone settles them. */
export type PreparableOperation = "get" | "list" | "download";
export type ValueType = "text" | "number" | "date" | "list" | "bool" | "uuid";
export type Operator =
  | "eq" | "neq" | "in" | "nin" | "gt" | "gte" | "lt" | "lte"
  | "intersects" | "contains" | "eq_set";

/** A JSON literal as it may appear as a condition value or an attribute. */
export type Literal =
  | string | number | boolean | null
  | readonly Literal[]
  | { readonly [key: string]: Literal };

/** The predicate tree, JSON form (docs/contract.md, 2.2). */
export type Predicate = Condition | AndGroup | OrGroup | Not;
export interface Condition { attr: string; op: Operator | (string & {}); value: Literal }
export interface AndGroup { and: readonly Predicate[] }
export interface OrGroup { or: readonly Predicate[] }
export interface Not { not: Predicate }

export type ErrorCode =
  | "syntax_error" | "mixed_and_or" | "invalid_predicate"
  | "name_required" | "name_too_long" | "description_too_long"
  | "unknown_entity_type" | "unknown_attribute" | "attribute_not_supported"
  | "operator_not_allowed" | "invalid_value" | "invalid_uuid" | "invalid_date"
  | "empty_group" | "too_many_conditions" | "max_depth_exceeded" | "input_too_large"
  // grants (docs/contract.md, 4.1)
  | "unknown_workspace" | "workspace_mismatch" | "unknown_filter" | "invalid_action"
  | "action_not_allowed" | "filter_archived" | "invalid_ip_range"
  | "too_many_grants" | "too_many_ip_ranges"
  // store operations
  | "unknown_firm" | "filter_immutable" | "system_filter" | "invalid_schema"
  // an entity's attributes for a write (checkAttributes)
  | "invalid_attribute" | "read_only_attribute"
  // preview refusals also appear as diagnostics (not_searchable too, as an error)
  | "preview_not_supported" | "invalid_filter" | "not_searchable";
export type WarningCode = "not_searchable";
export type NoticeCode = "empty_text_value";
export type DiagnosticCode = ErrorCode | WarningCode | NoticeCode;
/** `error` blocks saving; `warning` does not (docs/contract.md, 2.4); `notice` is a likely slip that the
 * contract allows, such as an empty text value. */
export type Severity = "error" | "warning" | "notice";

/** Where a problem is in the text form. */
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
/** Where a problem is: a span of the text form, a JSON path into the JSON form, or both. */
export interface Location {
  /** JSON path such as `$.predicate.and[2].value[1]` (JSON form and record fields). */
  path?: string;
  /** Span in the text form. */
  span?: Span;
}
export interface Diagnostic<S extends Severity = Severity> {
  code: DiagnosticCode;
  severity: S;
  /** A sentence a filter author can act on. */
  message: string;
  /** A hint: the operators allowed, the nearest attribute name ("did you mean ..."). */
  help?: string;
  location?: Location;
}
/** At least one. */
export type NonEmpty<T> = [T, ...T[]];
/** A refused input: `ok: false` and its errors (always at least one). */
export interface Failure { ok: false; errors: NonEmpty<Diagnostic<"error">> }

export type ParseResult =
  | { ok: true; predicate: Predicate; /** canonical text */ text: string }
  | { ok: false; errors: [Diagnostic<"error">] };
export type FormatResult = { ok: true; text: string } | Failure;

/** A predicate in exactly one of its forms: `predicate` (JSON) or `predicate_text` (text). */
export type PredicateSource =
  | { predicate: Predicate; predicate_text?: null }
  | { predicate_text: string; predicate?: null };

/** A filter to validate or preview: its name, entity type and predicate. */
export type FilterInput = {
  entity_type: EntityType;
  name: string;
  description?: string | null;
} & PredicateSource;

export type ValidationResult =
  | {
      valid: true;
      errors: [];
      warnings: Diagnostic<"warning">[];
      /** Likely slips the contract allows (an empty or blank text value): shown, never blocking. */
      notices: Diagnostic<"notice">[];
      /** The predicate's JSON form and canonical text. */
      predicate: Predicate;
      text: string;
      /** Whether the filter can run on the search index (docs/contract.md, 4.3). */
      searchable: boolean;
    }
  | {
      valid: false;
      errors: NonEmpty<Diagnostic<"error">>;
      warnings: Diagnostic<"warning">[];
      notices: Diagnostic<"notice">[];
      /** Present when the predicate parsed. */
      predicate?: Predicate;
      text?: string;
      searchable?: undefined;
    };

/** The filter part that evaluation needs (no name): an entity type and a predicate. */
export type PredicateInput = { entity_type: EntityType } & PredicateSource;
export type MatchResult = { ok: true; matches: boolean } | Failure;

/** An entity's attributes. An attribute absent, `undefined` or `null` is unknown. */
export type Attributes = { readonly [attr: string]: Literal | undefined };
export interface Entity {
  id: string;
  workspace_id: string;
  entity_type: EntityType;
  /** Absent: every attribute unknown. */
  attributes?: Attributes;
}

export type PreviewResult =
  | { ok: true; count: number; /** the count stopped at the cap (limits.preview_cap) */ truncated: boolean }
  | { ok: false; error: "invalid_filter"; errors: NonEmpty<Diagnostic<"error">> }
  | { ok: false; error: "preview_not_supported" | "not_searchable"; errors: [Diagnostic<"error">] };

export interface AttributeDescription {
  name: string;
  type: ValueType;
  /** False for attributes known but not filterable (detail `status`, `created_at` in v1). */
  filterable: boolean;
  /** Assigned by the data service (`created_at`): a write may not give it. */
  server_assigned: boolean;
  /** Operators allowed for this attribute (empty when not filterable). */
  operators: Operator[];
  /** Whether detail list/search/preview can use it (docs/contract.md, 4.3); true for types without a search index. */
  searchable: boolean;
}
export interface EntityTypeDescription {
  name: EntityType;
  collection: string;
  /** The name of the type's workspace system filter (`default:details`). */
  system_filter: string;
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
  max_list_values: number;      // 1000
  max_string_chars: number;     // 1024
  preview_cap: number;          // 10000
  max_grants_per_key: number;   // 100
  max_ip_ranges_per_key: number; // 100
  /** Diagnostics of one code kept in an answer; one more counts the rest. */
  max_diagnostics_per_code: number; // 20
}
export interface SchemaDescription {
  entity_types: EntityTypeDescription[];
  operators: { [T in ValueType]: Operator[] };
  limits: Limits;
}

/** A filter record to store (docs/contract.md, 2.1): `putFilter`, or a world's `filters`. */
export type FilterRecord = {
  id: string;
  workspace_id: string;
  entity_type: EntityType;
  name?: string;
  description?: string | null;
  archived?: boolean;
} & PredicateSource;
/** A stored filter as `getFilter` answers it: its predicate in both canonical forms. */
export interface StoredFilter {
  id: string;
  workspace_id: string;
  entity_type: EntityType;
  name: string;
  description?: string;
  predicate: Predicate;
  predicate_text: string;
  archived: boolean;
}
export interface Grant {
  /** Absent for `default:any`. */
  workspace_id?: string | null;
  /** A stored filter id, or a system filter name (`default:details`, `default:any`, ...). */
  filter: string;
  /** Anything but an action is an `invalid_action` in the grant report. */
  actions?: readonly (Action | (string & {}))[];
}
export interface Key {
  id: string;
  firm_id: string;
  revoked?: boolean;
  /** Addresses or CIDR ranges the key is accepted from; absent or null: any. */
  allowed_ips?: readonly string[] | null;
  grants?: readonly Grant[];
}
export interface Firm { id: string; workspaces: readonly string[] }
/** Firms, filters and entities in one document, for the one-shot functions. */
export interface World {
  firms?: readonly Firm[];
  filters?: readonly FilterRecord[];
  entities?: readonly Entity[];
}

export interface Request<Op extends Operation = Operation> {
  operation: Op;
  workspace_id: string;
  entity_type: EntityType;
  /** Entity id for get, update and download. */
  id?: string | null;
  /** The entity's full attribute set as it would be after a create or an update. */
  attributes?: Attributes | null;
  /** The address the request came from; absent means unknown. */
  source_ip?: string | null;
}
/** A request without its entity: what {@link Store.prepare} resolves once (an `id` is ignored). */
export interface PreparedRequest<Op extends PreparableOperation = PreparableOperation> {
  operation: Op;
  workspace_id: string;
  entity_type: EntityType;
  id?: string | null;
  source_ip?: string | null;
}

export type DenyCode = "invalid_token" | "insufficient_scope" | "not_found";
/** 401: unknown or revoked credentials, or a source address outside the key's allow-list. */
export interface Unauthorized { status: 401; code: "invalid_token"; ids?: undefined }
/** 403: the key's grants do not cover the request. */
export interface Forbidden { status: 403; code: "insufficient_scope"; ids?: undefined }
/** 404: no such entity (or entity type), or one the key may not know exists. */
export interface NotFound { status: 404; code: "not_found"; ids?: undefined }
export type Denial = Unauthorized | Forbidden | NotFound;
/** The request may proceed: 200, or 201 for a create. */
export interface Allowed<S extends 200 | 201 = 200> { status: S; code?: undefined; ids?: undefined }
/** A list may proceed, over these entities only. */
export interface Listed { status: 200; code?: undefined; /** The ids of the entities the key may see, in order. */ ids: string[] }

export type GetDecision = Allowed | Unauthorized | NotFound;
export type ListDecision = Listed | Denial;
export type CreateDecision = Allowed<201> | Denial;
/** An update's or a download's. */
export type EntityDecision = Allowed | Denial;
export interface DecisionByOperation {
  get: GetDecision;
  list: ListDecision;
  create: CreateDecision;
  update: EntityDecision;
  download: EntityDecision;
}
/** The answer to a request of this operation (of any, for a union). */
export type DecisionFor<Op extends Operation> = DecisionByOperation[Op];
/** The answer to a request. */
export type Decision = DecisionFor<Operation>;

/** What a decision takes beside the request: the entities for a list (only those of the
 * request's workspace and type count), the entity for any other operation (an object or its
 * JSON text; a create needs none). */
export type DataFor<Op extends Operation> = Op extends "list" ? Entities : Entity | string;

/** How a list is scoped: everything of the type, or entities matching any of these predicates. */
export type Scope = { all: true } | { all: false; any: readonly Predicate[] };
export type ListAuthorization =
  | {
      status: 200;
      code?: undefined;
      scope: { all: true };
      require_match: false;
    }
  | {
      status: 200;
      code?: undefined;
      scope: { all: false; any: Predicate[] };
      /** Every eligible grant is a stored filter: if `scope` matches no entity of the type in
       * the workspace (whatever the caller's own search), the answer is 403
       * insufficient_scope. */
      require_match: true;
    }
  | Denial;

export type Ineligibility =
  | "other_firm" | "other_workspace" | "other_entity_type" | "action_not_granted"
  | "archived" | "not_searchable" | "unknown_filter" | "invalid_grant";
/** A condition's three-valued result. */
export type TruthValue = "true" | "false" | "unknown";
export interface FailedCondition {
  /** The condition in canonical text. */
  text: string;
  /** Its JSON path in the filter's predicate, e.g. `$.and[1]`. */
  path: string;
  result: TruthValue;
  /** Under an odd number of NOTs (so `true` was the problem). */
  negated: boolean;
}
interface GrantExplanationBase {
  index: number;
  filter: string;
  /** Absent for a firm-global grant. */
  workspace_id?: string;
  actions: string[];
}
export type GrantExplanation =
  | (GrantExplanationBase & {
      eligible: true;
      reason?: undefined;
      /** For a grant tested against one entity: whether it matched. */
      matched?: boolean;
      /** For a list: how many of the given entities it matched. */
      match_count?: number;
      /** For a non-match: the first condition that was false or unknown. */
      failed_condition?: FailedCondition;
    })
  | (GrantExplanationBase & {
      eligible: false;
      reason: Ineligibility;
      matched?: undefined;
      match_count?: undefined;
      failed_condition?: undefined;
    });

/** The step of a decision that settled it. */
export type Step =
  | "unknown_credentials" | "revoked_credentials" | "source_not_allowed"
  | "no_such_entity_type" | "action_not_on_entity_type" | "no_eligible_grant"
  | "not_found" | "read_granted" | "list_matches_nothing" | "listed"
  | "create_outside_scope" | "created" | "no_such_entity" | "visible_but_not_granted"
  | "not_visible" | "update_leaves_scope" | "granted";
/** The decision each step makes. */
export interface DecisionByStep {
  unknown_credentials: Unauthorized;
  revoked_credentials: Unauthorized;
  source_not_allowed: Unauthorized;
  no_such_entity_type: NotFound;
  action_not_on_entity_type: NotFound;
  no_eligible_grant: Forbidden;
  not_found: NotFound;
  read_granted: Allowed;
  list_matches_nothing: Forbidden;
  listed: Listed;
  create_outside_scope: Forbidden;
  created: Allowed<201>;
  no_such_entity: NotFound;
  visible_but_not_granted: Forbidden;
  not_visible: NotFound;
  update_leaves_scope: Forbidden;
  granted: Allowed;
}
/** The steps that refuse a request before any grant is considered (no grants to account for). */
export type StepBeforeGrants =
  | "unknown_credentials" | "revoked_credentials" | "source_not_allowed"
  | "no_such_entity_type" | "action_not_on_entity_type";
/** A decision with its account, for admins and logs (never for the integrator). */
export type Explanation = {
  [S in Step]: {
    /** The decision, as `decide` makes it. */
    decision: DecisionByStep[S];
    /** The step of the decision that settled it. */
    step: S;
    /** The action the request needs. */
    action: Action;
    /** Every grant of the key, in order. */
    grants: S extends StepBeforeGrants ? [] : GrantExplanation[];
    /** The account in one sentence. */
    summary: string;
  };
}[Step];

export type GrantReport =
  | { valid: true; errors: [] }
  | { valid: false; errors: NonEmpty<Diagnostic<"error">> };

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
export type SystemFilter =
  | {
      /** The literal name a grant uses, e.g. "default:details". */
      id: string;
      firm_id: string;
      workspace_id: string;
      entity_type: EntityType;
      firm_global: false;
      description: string;
      /** The actions a grant of it may carry: its entity type's (a tag has no download). */
      actions: Action[];
    }
  | {
      /** "default:any", every entity of every type in every workspace of the firm. */
      id: "default:any";
      firm_id: string;
      workspace_id: null;
      entity_type: null;
      firm_global: true;
      description: string;
      /** Every action: each request's entity type decides whether the action applies. */
      actions: Action[];
    };
export interface EditImpact { keys: number; gained: string[]; lost: string[] }

/** Entity data for previews, list decisions and edit impact: an array of entities, its JSON
 * text (for instance a response body, passed on without parsing), or a loaded EntitySet. */
export type Entities = readonly Entity[] | string | EntitySet;

/** Entities loaded into the engine once (parsed and typed), so that repeated previews and
 * list decisions over the same data do not re-send it. Entities of a type the schema does not
 * know are left out. Throws a TypeError for malformed input. */
export class EntitySet {
  constructor(entities: readonly Entity[] | string);
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
/**
 * A diagnostic rendered for a terminal or a log, the same text as the crate's
 * `Diagnostic::render` and the CLI's `portcullis check`: `error[code]: message`, then, when
 * `source` is the text the diagnostic's span points into, its line with carets under the
 * span (else its JSON path, if it has one), then the help. Every line ends with `\n`.
 */
export function renderDiagnostic(diagnostic: Diagnostic, source?: string | null): string;
/** From `portcullis/service`. Check an entity's attributes for a create or an update: unknown attributes, attributes the
 * data service assigns (`created_at`), and values not of their attribute's type (dates and
 * UUIDs read as evaluation reads them). `null` is accepted: absent, or removed by a patch. */
export function checkAttributes(entityType: EntityType, attributes: Attributes): { ok: true } | Failure;
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
export type Storage = "text" | "number" | "bool" | "uuid" | "instant" | "text_list";
/** A table mapping (see docs/pushdown.md); the default one when absent. */
export interface SqlMapping {
  tables: readonly {
    entity_type: EntityType; table: string; id: string; workspace: string;
    columns: readonly { attribute: string; column: string; storage: Storage }[];
  }[];
}
/** What {@link compileSql} compiles: a predicate (either form) or a list's scope. */
export type CompileSqlInput =
  & { dialect: "postgres" | "sqlite"; entity_type: EntityType; mapping?: SqlMapping | null }
  & (
    | { predicate: Predicate; predicate_text?: null; scope?: undefined }
    | { predicate_text: string; predicate?: null; scope?: undefined }
    | { scope: Scope; predicate?: undefined; predicate_text?: undefined }
  );
/** From `portcullis/service`: a filter, or a list's scope (as `authorizeList` answers it),
 * compiled to a SQL WHERE fragment and its bind parameters, exact to the engine's three-valued
 * logic: `$1`, `$2`... for PostgreSQL, `?1`, `?2`... for SQLite. */
export function compileSql(input: CompileSqlInput): { ok: true; sql: string; params: SqlParam[] } | Failure;
/** From `portcullis/service`. Whether a filter id is a system filter's name (the
 * `default:` names are reserved). */
export function isSystemFilter(id: string): boolean;
/** From `portcullis/service`. An id in canonical form (a lower-case hyphenated UUID), or
 * null when it is not a UUID:
 * entity, workspace and firm ids that are not UUIDs name nothing. */
export function canonicalUuid(id: unknown): string | null;
/** Validate a key's grants against a world (docs/contract.md, 4.1). */
export function validateGrants(world: World, key: Key): GrantReport;
/** One-shot decision over a world (compiles the world each call: use `Store` in servers). */
export function decide<Op extends Operation>(world: World, key: Key | null, request: Request<Op>): DecisionFor<Op>;
/** From `portcullis/service` (explanations are for admins and logs, on a server). */
export function explain(world: World, key: Key | null, request: Request): Explanation;

/** A key's id as a decision takes it: `null` or `undefined` for no credentials (401). */
export type KeyId = string | null | undefined;

/** Filters and keys compiled once; decisions on demand. Call `free()` when done with it. */
export class Store {
  constructor();
  free(): void;
  /** Add or replace a firm and its workspaces. */
  putFirm(firm: Firm): { ok: true } | Failure;
  /** Add a filter, or edit one (its workspace and entity type are fixed at creation). */
  putFilter(record: FilterRecord):
    | { ok: true; warnings: Diagnostic<"warning">[]; keys_affected: number }
    | Failure;
  archiveFilter(id: string): { ok: true } | Failure;
  /** The stored record with its canonical predicate and text, or null. */
  getFilter(id: string): StoredFilter | null;
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
  editImpact(filterId: string, edit: PredicateInput, entities: Entities): ({ ok: true } & EditImpact) | Failure;
  /** Decide a request. For get/update/download pass the current entity (null when none), as
   * an object or as its JSON text (cheaper: no object walk); for list pass the entities (only
   * those of the request's workspace and type count); create needs neither. The answer's type
   * follows the request's operation: narrow on `status` (`if (d.status === 200) d.ids` for a
   * list). */
  decide<Op extends Operation>(keyId: KeyId, request: Request<Op>, data?: DataFor<Op> | null): DecisionFor<Op>;
  /** From `portcullis/service`: the main entry throws a TypeError naming it. */
  explain<Op extends Operation>(keyId: KeyId, request: Request<Op>, data?: DataFor<Op> | null): Explanation;
  /** From `portcullis/service`. First half of a list decision, for callers that push the
   * scope down to their data (see `compileSql`). */
  authorizeList(keyId: KeyId, request: Request<"list">): ListAuthorization;
  /** From `portcullis/service`. The whole list decision over one page a data service answered
   * for the pushed-down scope: `scopeMatches` is whether the scope alone matched any entity of
   * the type in the workspace (before the caller's own search narrowed it). `outside` counts the
   * page's entities outside the request's workspace, type or scope; they are never in `ids`. */
  decideListPage(keyId: KeyId, request: Request<"list">, scopeMatches: boolean, entities: Entities): ListDecision & { outside: number };
  /** From `portcullis/service`. Whether the key's credentials are accepted from this source
   * address (absent: unknown), whatever the request. */
  acceptsCredentials(keyId: KeyId, sourceIp?: string | null): boolean;
  /** From `portcullis/service`. Validate a change to a key as an admin makes it (see
   * {@link KeyChange}). */
  validateKeyChange(change: KeyChange): GrantReport;
  /** Prepare a request for a key once, for many decisions (see {@link Decider}): a list gives
   * a {@link ListDecider}, a get or a download an {@link EntityDecider}; for a request whose
   * operation is not known statically, narrow on the decider's `operation`. A create or an
   * update cannot be prepared (TypeError): their attributes are part of the request. */
  prepare<Op extends PreparableOperation>(keyId: KeyId, request: PreparedRequest<Op>): DeciderFor<Op>;
}

/** The decider {@link Store.prepare} gives for an operation. */
export type DeciderFor<Op extends PreparableOperation> = Op extends "list"
  ? ListDecider
  : Op extends "get" | "download"
    ? EntityDecider<Op>
    : never;

/** A prepared decision's answer: shared and frozen, so a hot loop allocates nothing for it. */
export type SharedDecision<Op extends "get" | "download" = "get" | "download"> = Readonly<DecisionFor<Op>>;

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
  /** The operation it was prepared for: a `ListDecider`'s is "list". */
  readonly operation: PreparableOperation;
  /** Release it (it is also released when garbage collected). Using it afterwards, or after
   * its store was freed, throws a TypeError. */
  free(): void;
}

/** A prepared get or download. */
export interface EntityDecider<Op extends "get" | "download" = "get" | "download"> extends Decider {
  readonly operation: Op;
  /** Decide for one entity (an object, its JSON text, or null for none). When `id` (the id in
   * the request's path) is given, the entity must carry it. */
  decide(entity: Entity | string | null | undefined, id?: string): SharedDecision<Op>;
}

/** A prepared list. */
export interface ListDecider extends Decider {
  readonly operation: "list";
  /** Decide a list over these entities (an array, its JSON text, or a loaded EntitySet):
   * `{status: 200, ids}` (those of the request's workspace and type in scope, in order) or the
   * refusal. */
  list(entities: Entities): ListDecision;
}
