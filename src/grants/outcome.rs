//! The steps of a decision (SPEC 4.4), each written once. Every way of deciding (a request
//! decided whole, a prepared request, the wasm decider, an explanation) resolves what it needs
//! its own way (grants from the key's index, programs compiled for a key, dictionary indexes)
//! and then asks these functions which step settles it, so the order of the steps and what
//! each answers cannot differ between them.

use super::model::{Decision, DenyCode, Operation};
use serde::Serialize;
use std::fmt;

/// The step of SPEC 4.4 that settled a decision: an identifier (its wire name, e.g.
/// `"revoked_credentials"`) and, through [`Step::describe`], a sentence.
///
/// ```
/// use portcullis::grants::Step;
/// assert_eq!(Step::NotVisible.decision().status, 404);
/// assert_eq!(Step::NotVisible.as_str(), "not_visible");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// No key, or credentials that name none: 401.
    UnknownCredentials,
    /// The key is revoked: 401.
    RevokedCredentials,
    /// The key has an allow-list and the source address is not in it, or is unknown: 401.
    SourceNotAllowed,
    /// The request names an entity type the schema does not have: 404.
    NoSuchEntityType,
    /// The entity type has no such action (a tag download): 404, before any grant.
    ActionNotOnEntityType,
    /// A list, create, update or download with no eligible grant for its action: 403.
    NoEligibleGrant,
    /// A get of an entity that does not exist, is elsewhere, or that no eligible read grant
    /// matches: 404, one answer whatever the reason.
    NotFound,
    /// A get that an eligible read grant matches: 200.
    ReadGranted,
    /// A list whose eligible grants are all stored filters that together match nothing in
    /// the workspace: 403.
    ListMatchesNothing,
    /// A list with at least one eligible grant: 200, with the entities in scope.
    Listed,
    /// A create whose new entity no eligible write grant matches: 403.
    CreateOutsideScope,
    /// A create whose new entity an eligible write grant matches: 201.
    Created,
    /// An update or download of an entity that does not exist, or is elsewhere: 404.
    NoSuchEntity,
    /// An update or download the key's grants for the action do not cover, of an entity the
    /// key can read: 403.
    VisibleButNotGranted,
    /// An update or download the key's grants for the action do not cover, of an entity the
    /// key cannot read either: 404 (existence is not disclosed).
    NotVisible,
    /// An update whose result no eligible write grant would match: 403 (a write cannot move
    /// an entity out of the key's reach).
    UpdateLeavesScope,
    /// An update or download an eligible grant for the action matches: 200.
    Granted,
}

impl Step {
    /// The step's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::UnknownCredentials => "unknown_credentials",
            Step::RevokedCredentials => "revoked_credentials",
            Step::SourceNotAllowed => "source_not_allowed",
            Step::NoSuchEntityType => "no_such_entity_type",
            Step::ActionNotOnEntityType => "action_not_on_entity_type",
            Step::NoEligibleGrant => "no_eligible_grant",
            Step::NotFound => "not_found",
            Step::ReadGranted => "read_granted",
            Step::ListMatchesNothing => "list_matches_nothing",
            Step::Listed => "listed",
            Step::CreateOutsideScope => "create_outside_scope",
            Step::Created => "created",
            Step::NoSuchEntity => "no_such_entity",
            Step::VisibleButNotGranted => "visible_but_not_granted",
            Step::NotVisible => "not_visible",
            Step::UpdateLeavesScope => "update_leaves_scope",
            Step::Granted => "granted",
        }
    }

    /// What the step means, as a sentence for an admin reading an explanation.
    pub fn describe(self) -> &'static str {
        match self {
            Step::UnknownCredentials => "the credentials name no key",
            Step::RevokedCredentials => "the key is revoked",
            Step::SourceNotAllowed => "the source address is outside the key's IP allow-list",
            Step::NoSuchEntityType => "there is no such entity type",
            Step::ActionNotOnEntityType => "the entity type has no such action",
            Step::NoEligibleGrant => "no grant of the key is eligible for the action",
            Step::NotFound => "no such entity, or no eligible read grant matches it",
            Step::ReadGranted => "an eligible read grant matches the entity",
            Step::ListMatchesNothing => {
                "the eligible filters together match nothing of this type in the workspace"
            }
            Step::Listed => "the entities that at least one eligible grant matches are listed",
            Step::CreateOutsideScope => "no eligible write grant matches the new entity",
            Step::Created => "an eligible write grant matches the new entity",
            Step::NoSuchEntity => "there is no such entity in the workspace",
            Step::VisibleButNotGranted => {
                "no eligible grant for the action matches the entity, but the key can read it"
            }
            Step::NotVisible => {
                "no eligible grant for the action matches the entity, and the key cannot read it"
            }
            Step::UpdateLeavesScope => {
                "the entity after the change would match no eligible write grant"
            }
            Step::Granted => "an eligible grant for the action matches the entity",
        }
    }

    /// Whether the step refused the request on its credentials (SPEC 4.4 step 1).
    pub fn is_credentials(self) -> bool {
        matches!(self, Step::UnknownCredentials | Step::RevokedCredentials | Step::SourceNotAllowed)
    }

    /// The decision the step makes (a 200 list's ids aside: the list adds them).
    #[inline(always)]
    pub fn decision(self) -> Decision {
        match self {
            Step::UnknownCredentials | Step::RevokedCredentials | Step::SourceNotAllowed => {
                Decision::deny(DenyCode::InvalidToken)
            }
            Step::NoSuchEntityType
            | Step::ActionNotOnEntityType
            | Step::NotFound
            | Step::NoSuchEntity
            | Step::NotVisible => Decision::deny(DenyCode::NotFound),
            Step::NoEligibleGrant
            | Step::ListMatchesNothing
            | Step::CreateOutsideScope
            | Step::VisibleButNotGranted
            | Step::UpdateLeavesScope => Decision::deny(DenyCode::InsufficientScope),
            Step::Created => Decision::allow(201),
            Step::ReadGranted | Step::Listed | Step::Granted => Decision::allow(200),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the key's scopes a decision asks an entity about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ask {
    /// The eligible grants for the operation's action, on the entity as it is (for a
    /// create, the new entity).
    Action,
    /// The eligible read grants, on the entity as it is: whether the key can see it.
    Read,
    /// The eligible write grants, on the entity as an update would leave it.
    After,
}

/// Steps 2, 4 and 5 for a request about one entity, once the credentials and the entity
/// type have passed. `granted`: whether any grant is eligible for the operation's action.
/// `entity`: `None` when the request names no entity where it is (never for a create, whose
/// entity is the new one); otherwise what answers whether the entity is in a scope.
#[inline(always)]
pub(crate) fn single(op: Operation, granted: bool, entity: Option<impl Fn(Ask) -> bool>) -> Step {
    match op {
        // A get answers one 404 whatever the reason: no grant admits nothing.
        Operation::Get => match entity {
            Some(admits) if admits(Ask::Action) => Step::ReadGranted,
            _ => Step::NotFound,
        },
        Operation::Create if !granted => Step::NoEligibleGrant,
        Operation::Create => match entity {
            Some(admits) if admits(Ask::Action) => Step::Created,
            _ => Step::CreateOutsideScope,
        },
        Operation::Update | Operation::Download => {
            if !granted {
                return Step::NoEligibleGrant;
            }
            let Some(admits) = entity else { return Step::NoSuchEntity };
            if !admits(Ask::Action) {
                return if admits(Ask::Read) {
                    Step::VisibleButNotGranted
                } else {
                    Step::NotVisible
                };
            }
            if op == Operation::Update && !admits(Ask::After) {
                return Step::UpdateLeavesScope;
            }
            Step::Granted
        }
        // A list is decided over many entities by `list`; asked here, it is refused.
        Operation::List => Step::NoEligibleGrant,
    }
}

/// Step 3, a list: `granted` whether any read grant is eligible for a list, `everything`
/// whether one of them is a system filter, `matched` how many entities of the workspace's
/// type the eligible grants match together.
#[inline]
pub(crate) fn list(granted: bool, everything: bool, matched: usize) -> Step {
    if !granted {
        Step::NoEligibleGrant
    } else if !everything && matched == 0 {
        Step::ListMatchesNothing
    } else {
        Step::Listed
    }
}
