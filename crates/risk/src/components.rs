//! Connected components. Security, the most profitable attack and `γ*` decompose over them
//! (DR24, `risk.md` §6.2): profits of attacks in different components add up, and the ratio of a
//! union of coalitions is never below the smallest of theirs. So a graph whose exact search would
//! not finish can often be solved one component at a time — live graphs, where every operator set
//! is its own component, always can. `R_ψ` does not decompose (the shock budget is shared).
// Indices run over the graph's own lists, built and validated by `Graph`.
#![allow(clippy::indexing_slicing)]

use crate::error::RiskError;
use crate::graph::Graph;
use crate::number::Frac;
use serde_json::{Value, json};

/// Service indices of each component (components without services are left out: validators
/// that secure nothing never attack).
pub fn components(g: &Graph) -> Vec<Vec<usize>> {
    let ns = g.members.len();
    let mut seen = vec![false; ns];
    let mut out = Vec::new();
    for start in 0..ns {
        if seen[start] {
            continue;
        }
        let mut stack = vec![start];
        seen[start] = true;
        let mut comp = Vec::new();
        while let Some(s) = stack.pop() {
            comp.push(s);
            for v in &g.members[s] {
                for t in &g.services_of[*v] {
                    if !seen[*t] {
                        seen[*t] = true;
                        stack.push(*t);
                    }
                }
            }
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out
}

/// The subgraph of some services and their validators, in the input format.
pub fn subgraph(g: &Graph, services: &[usize]) -> Result<Graph, RiskError> {
    let mut vs: Vec<usize> = services
        .iter()
        .flat_map(|s| g.members[*s].iter().copied())
        .collect();
    vs.sort_unstable();
    vs.dedup();
    let render = |x| Frac::new(x, g.scale).map(|f| f.render());
    let validators: Vec<Value> = vs
        .iter()
        .map(|v| Ok(json!({"id": g.validator_ids[*v], "stake": render(g.stake[*v])?})))
        .collect::<Result<_, RiskError>>()?;
    let svc: Vec<Value> = services
        .iter()
        .map(|s| {
            let (p, q) = g.alpha[*s];
            Ok(json!({
                "id": g.service_ids[*s],
                "pfc": render(g.pfc[*s])?,
                "alpha": Frac::new(p, q)?.render(),
                "validators": g.members[*s].iter().map(|v| g.validator_ids[*v].clone()).collect::<Vec<_>>(),
            }))
        })
        .collect::<Result<_, RiskError>>()?;
    Graph::from_json(&json!({ "services": svc, "validators": validators }))
}

/// `γ` as printed (`"-1/3"`, `"1/10"`) back to the ratio `γ + 1`.
pub fn ratio_of(gamma: &str) -> Result<Frac, RiskError> {
    match gamma.strip_prefix('-') {
        Some(x) => {
            let f = Frac::parse(x)?;
            Frac::new(f.den.saturating_sub(f.num), f.den)
        }
        None => {
            let f = Frac::parse(gamma)?;
            Frac::new(f.num.checked_add(f.den).ok_or(RiskError::Overflow)?, f.den)
        }
    }
}
