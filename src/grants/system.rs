//! System filters (SPEC 2.1): filters that exist without being stored. In every workspace,
//! `default:<collection>` for each entity type (every entity of that type there); once per
//! firm, the firm-global `default:any` (every entity of every type in every workspace of the
//! firm). They cannot be created, edited or archived; a grant names one by its literal name.

use crate::schema::{Action, Schema};
use crate::value::{format_uuid, parse_uuid};
use serde::Serialize;

/// The prefix every system filter name has, and no stored filter id may have.
pub(crate) const SYSTEM_PREFIX: &str = "default:";

/// The firm-global system filter.
pub const DEFAULT_ANY: &str = "default:any";

/// Whether a filter id is a system filter's name: the `default:` names are reserved for
/// system filters, so no stored filter has one (an unknown `default:` name names nothing).
///
/// ```
/// use portcullis::grants::is_system_filter;
/// assert!(is_system_filter("default:details"));
/// assert!(is_system_filter("default:any"));
/// assert!(!is_system_filter("flt_concrete"));
/// ```
pub fn is_system_filter(id: &str) -> bool {
    id.starts_with(SYSTEM_PREFIX)
}

/// A system filter of a firm, as an admin sees it listed beside the stored ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SystemFilter {
    /// The literal name a grant uses, e.g. `default:details`; a system filter's id and name
    /// are one.
    pub id: String,
    /// The firm it belongs to (a lower-case UUID).
    pub firm_id: String,
    /// The workspace it lives in (a lower-case UUID); `None` for `default:any`.
    pub workspace_id: Option<String>,
    /// The entity type it matches; `None` for `default:any`, which matches every type.
    pub entity_type: Option<String>,
    /// Whether it is the firm-global `default:any`.
    pub firm_global: bool,
    /// The actions a grant of it may carry: its entity type's, or for `default:any` every
    /// action (each request's own type then decides whether the action applies).
    pub actions: Vec<Action>,
    /// What it matches, in a sentence.
    pub description: String,
}

/// The name of the workspace system filter of the entity type with this REST collection:
/// `default:details`.
pub(crate) fn system_filter_name(collection: &str) -> String {
    format!("{SYSTEM_PREFIX}{collection}")
}

impl Schema {
    /// The system filters of a firm with these workspaces: for each workspace (in the order
    /// given), one per entity type (in the schema's order), then `default:any`. A firm or
    /// workspace id that is not a UUID names nothing and has none.
    ///
    /// ```
    /// use portcullis::Schema;
    /// let firm = "F1000000-0000-4000-8000-000000000001";
    /// let ws = "a1000000-0000-4000-8000-00000000000a";
    /// let all = Schema::builtin().system_filters(firm, &[ws]);
    /// let names: Vec<&str> = all.iter().map(|f| f.id.as_str()).collect();
    /// assert_eq!(names, ["default:families", "default:details", "default:stashes",
    ///     "default:tags", "default:any"]);
    /// assert_eq!(all[1].entity_type.as_deref(), Some("detail"));
    /// assert_eq!(all[4].firm_id, firm.to_lowercase());
    /// assert!(all[4].firm_global && all[4].workspace_id.is_none());
    /// assert_eq!(all[3].actions.len(), 2); // a tag has no download
    /// assert_eq!(all[4].actions.len(), 3);
    /// ```
    pub fn system_filters(&self, firm_id: &str, workspaces: &[&str]) -> Vec<SystemFilter> {
        let Some(firm) = parse_uuid(firm_id).map(format_uuid) else { return Vec::new() };
        let mut out = Vec::new();
        for ws in workspaces.iter().filter_map(|w| parse_uuid(w)).map(format_uuid) {
            for t in &self.entity_types {
                out.push(SystemFilter {
                    id: system_filter_name(&t.collection),
                    firm_id: firm.clone(),
                    workspace_id: Some(ws.clone()),
                    entity_type: Some(t.name.clone()),
                    firm_global: false,
                    actions: t.actions.clone(),
                    description: format!("Every {} in the workspace", t.name),
                });
            }
        }
        out.push(SystemFilter {
            id: DEFAULT_ANY.to_string(),
            firm_id: firm,
            workspace_id: None,
            entity_type: None,
            firm_global: true,
            actions: Action::ALL.to_vec(),
            description: "Every entity of every type in every workspace of the firm (firm-global)"
                .to_string(),
        });
        out
    }

    /// The entity type a workspace system filter name stands for (`default:details` is
    /// `detail`); `None` for `default:any` and for any other name.
    pub fn system_filter_type(&self, id: &str) -> Option<usize> {
        let collection = id.strip_prefix(SYSTEM_PREFIX)?;
        self.entity_types.iter().position(|t| t.collection == collection)
    }
}
