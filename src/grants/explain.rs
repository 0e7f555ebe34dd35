//! Explanations: a decision with an account of every grant of the key (eligible or why not,
//! matched or not, the condition that failed), for a firm's admins and logs, never for the
//! integrator. The decision is the one [`PolicyStore::decide`] makes; the account re-walks
//! every grant with the same eligibility test, only when asked.

use super::model::{Decision, Operation, Request};
use super::outcome::Step;
use super::row::Data;
use super::scope::{Eligible, Ineligibility};
use super::store::{CompiledKey, PolicyStore};
use crate::eval::FailedCondition;
use crate::schema::Action;
use serde::Serialize;

/// One grant's part in a decision.
#[derive(Clone, Debug, Serialize)]
pub struct GrantExplanation {
    /// The grant's position in the key.
    pub index: usize,
    /// The filter the grant names.
    pub filter: String,
    /// The grant's workspace; `None` for a firm-global grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// The grant's actions, as written.
    pub actions: Vec<String>,
    /// Whether the grant is eligible for the request (SPEC 4.2).
    pub eligible: bool,
    /// Why it is not, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Ineligibility>,
    /// For an eligible grant tested against one entity: whether it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<bool>,
    /// For an eligible grant of a list: how many of the entities it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_count: Option<usize>,
    /// For an eligible grant that did not match: the first condition that was not true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_condition: Option<FailedCondition>,
}

/// A decision with its account: for admins and logs, never for the integrator.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The decision, as [`PolicyStore::decide`] makes it.
    pub decision: Decision,
    /// The step of the decision that settled it.
    pub step: Step,
    /// The action the request needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// Every grant of the key, in order (none when the credentials were refused).
    pub grants: Vec<GrantExplanation>,
    /// The account in one sentence.
    pub summary: String,
}

impl Explanation {
    /// A readable account, one grant a line.
    pub fn render(&self) -> String {
        let mut out = format!("decision: {}", self.decision.status);
        if let Some(c) = self.decision.code {
            out += &format!(" {c}");
        }
        out += &format!("\nstep: {}\n{}\n", self.step.describe(), self.summary);
        for g in &self.grants {
            let ws = g.workspace_id.as_deref().unwrap_or("(firm-global)");
            out += &format!(
                "  grant #{} {} in {} [{}]: ",
                g.index,
                g.filter,
                ws,
                g.actions.join(", ")
            );
            if !g.eligible {
                out +=
                    &format!("not eligible ({})\n", g.reason.map_or("", Ineligibility::describe));
                continue;
            }
            out += "eligible";
            if let Some(m) = g.matched {
                out += if m { ", matched" } else { ", did not match" };
            }
            if let Some(n) = g.match_count {
                out += &format!(", matched {n}");
            }
            if let Some(fc) = &g.failed_condition {
                let neg = if fc.negated { " under NOT" } else { "" };
                out += &format!(" (`{}` at {} was {}{neg})", fc.text, fc.path, fc.result.as_str());
            }
            out += "\n";
        }
        out
    }
}

impl PolicyStore {
    /// Decide, and explain the decision.
    pub fn explain(&self, key_id: Option<&str>, req: &Request, data: Data<'_>) -> Explanation {
        self.explain_for(self.key_for(key_id), req, data)
    }

    /// [`PolicyStore::explain`] over entities held for decisions, as
    /// [`PolicyStore::decide_in`] decides.
    pub fn explain_in(
        &self,
        key_id: Option<&str>,
        req: &Request,
        entities: &super::row::Entities,
    ) -> Explanation {
        self.explain(key_id, req, entities.data_for(req))
    }

    /// Decide, and account for every grant of the key. The decision is the one
    /// [`PolicyStore::decide_for`] makes; the account only describes it.
    pub fn explain_for(
        &self,
        key: Option<&CompiledKey>,
        req: &Request,
        data: Data<'_>,
    ) -> Explanation {
        let data = data.fit(req);
        let action = req.operation.action();
        let ctx = match self.resolve(key, req) {
            Ok(ctx) => ctx,
            Err(step) => {
                let decision = step.decision();
                let summary =
                    format!("refused before any grant was considered: {}", step.describe());
                return Explanation {
                    decision,
                    step,
                    action: Some(action),
                    grants: vec![],
                    summary,
                };
            }
        };
        let (decision, step) = self.decide_resolved(&ctx, req, data);
        let list = req.operation == Operation::List;
        // The entity the decision looked at: the one named, where the request is; for a
        // create, the new one.
        let subject = match (req.operation, data) {
            (Operation::Create, _) => Some(self.attributes_entity(&ctx, req)),
            (_, Data::One(row)) => {
                row.filter(|r| ctx.place.holds(r, req.id.as_deref())).map(|r| r.entity.clone())
            }
            _ => None,
        };
        let grants = ctx
            .key
            .key
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let status = self.grant_status(&ctx, i, action, list);
                let mut ge = GrantExplanation {
                    index: i,
                    filter: g.filter.clone(),
                    workspace_id: g.workspace_id.clone(),
                    actions: g.actions.clone(),
                    eligible: status.is_ok(),
                    reason: status.err(),
                    matched: None,
                    match_count: None,
                    failed_condition: None,
                };
                match (status, data, &subject) {
                    (Ok(e), Data::Many(rows), _) if list => {
                        ge.match_count = Some(
                            ctx.place.rows_here(rows).filter(|r| e.matches(&r.entity)).count(),
                        );
                    }
                    (Ok(Eligible::All), _, Some(_)) => ge.matched = Some(true),
                    (Ok(Eligible::Filter(f)), _, Some(s)) => {
                        ge.matched = Some(f.matches(s));
                        ge.failed_condition = f.explain(s);
                    }
                    _ => {}
                }
                ge
            })
            .collect::<Vec<_>>();
        let eligible = grants.iter().filter(|g| g.eligible).count();
        let summary = format!(
            "{} of {} grants eligible for {} on {}; {}",
            eligible,
            grants.len(),
            action,
            req.entity_type,
            step.describe()
        );
        Explanation { decision, step, action: Some(action), grants, summary }
    }
}
