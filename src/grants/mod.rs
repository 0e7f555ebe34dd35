//! Grants and decisions (SPEC 4): the records ([`model`]), IP allowlists ([`ip`]), the policy
//! store with grant validation and indexing ([`store`]), decisions and explanations
//! ([`decide`]), prepared requests for hot loops ([`prepared`]), and whole worlds for one-shot use ([`world`]).

pub mod decide;
mod fast_hash;
pub mod ip;
pub mod model;
pub mod prepared;
pub mod store;
pub mod world;

pub use decide::{
    Data, Explanation, GrantExplanation, Ineligibility, ListAuthorization, Row, Scope,
};
pub use ip::IpRange;
pub use model::{Decision, DenyCode, FilterRecord, Firm, Grant, Key, Operation, Request};
pub use prepared::{PreparedRequest, UnpreparableOperation};
pub use store::{
    CompiledKey, EditImpact, GrantReport, PolicyStore, PutFilter, StoredFilter, DEFAULT_ANY,
    SYSTEM_PREFIX,
};
pub use world::{LoadedWorld, World};
