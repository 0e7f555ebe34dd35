//! Grants and decisions (SPEC 4): the records ([`model`]), IP allow-lists ([`ip`]), the policy
//! store with grant validation and indexing ([`store`]), system filters ([`system`]), rows and
//! where a request is ([`row`]), eligibility and scopes ([`scope`]), the steps of a decision
//! ([`outcome`]), decisions ([`decide`]) and their explanations ([`explain`]), prepared
//! requests for hot loops ([`prepared`]), and whole worlds for one-shot use ([`world`]).

pub mod decide;
pub mod explain;
mod fast_hash;
pub mod ip;
pub mod model;
pub mod outcome;
pub mod prepared;
pub mod row;
pub mod scope;
pub mod store;
pub mod system;
pub mod world;

pub use explain::{Explanation, GrantExplanation};
pub use ip::IpRange;
pub use model::{
    Decision, DenyCode, FilterRecord, Firm, Grant, Key, Operation, Request, UnknownOperation,
};
pub use outcome::Step;
pub use prepared::{PreparedRequest, UnpreparableOperation};
pub use row::{Data, Entities, Row};
pub use scope::{Ineligibility, ListAuthorization, Scope};
pub use store::{
    CompiledKey, EditImpact, GrantReport, KeyChange, PolicyStore, PutFilter, StoredFilter,
};
pub use system::{is_system_filter, SystemFilter, DEFAULT_ANY};
pub use world::{LoadedWorld, World};
