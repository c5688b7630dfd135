//! Branch and bound over coalitions, for thresholds below 1 on graphs past the exhaustive budget.
//!
//! Validators that secure some service are decided one by one (largest stake first), in or out.
//! At every node the coalition decided so far is itself a candidate. A subtree is pruned when it
//! can improve neither objective: its profit is at most `π(coverable) − σ(in)` and its ratio at
//! least `σ(in) / π(coverable)`, where *coverable* are the services the included validators plus
//! every undecided one could still cover. Both bounds are sound because adding validators only
//! adds coverage and cost. The search stops at a node budget and says whether it finished; only
//! a finished search is exact.
// Indices run over the graph's own lists, built and validated by `Graph`.
#![allow(clippy::indexing_slicing)]

use crate::graph::Graph;
use crate::number::wide;
use alloy_primitives::U256;

/// What the search found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Best profit `π(A) − σ(B) > 0` and its coalition.
    pub best_profit: Option<(U256, Vec<usize>)>,
    /// Lowest `σ(B) / π(A)` with `π(A) > 0`, as `(σ, π)`, and its coalition.
    pub best_ratio: Option<(U256, U256, Vec<usize>)>,
    /// Whether every subtree was explored or pruned (the results are then exact).
    pub complete: bool,
    /// Nodes visited.
    pub nodes: u64,
}

fn meets(cov: U256, total: U256, alpha: (U256, U256)) -> bool {
    wide(cov, alpha.1) >= wide(alpha.0, total)
}

struct Search<'a> {
    g: &'a Graph,
    order: Vec<usize>,
    total: Vec<U256>,
    cov: Vec<U256>,
    rem: Vec<U256>,
    chosen: Vec<usize>,
    sigma: U256,
    limit: u64,
    out: Outcome,
}

impl Search<'_> {
    fn covered_pi(&self) -> U256 {
        (0..self.g.members.len())
            .filter(|s| meets(self.cov[*s], self.total[*s], self.g.alpha[*s]))
            .fold(U256::ZERO, |a, s| a.saturating_add(self.g.pfc[s]))
    }

    fn coverable_pi(&self) -> U256 {
        (0..self.g.members.len())
            .filter(|s| {
                meets(
                    self.cov[*s].saturating_add(self.rem[*s]),
                    self.total[*s],
                    self.g.alpha[*s],
                )
            })
            .fold(U256::ZERO, |a, s| a.saturating_add(self.g.pfc[s]))
    }

    fn visit(&mut self, depth: usize) {
        self.out.nodes = self.out.nodes.saturating_add(1);
        if self.out.nodes > self.limit {
            self.out.complete = false;
            return;
        }
        // The coalition decided so far is a candidate.
        let pa = self.covered_pi();
        if pa > self.sigma {
            let profit = pa.saturating_sub(self.sigma);
            if self
                .out
                .best_profit
                .as_ref()
                .is_none_or(|(p, _)| profit > *p)
            {
                self.out.best_profit = Some((profit, self.chosen.clone()));
            }
        }
        if !pa.is_zero()
            && self
                .out
                .best_ratio
                .as_ref()
                .is_none_or(|(b, a, _)| wide(self.sigma, *a) < wide(*b, pa))
        {
            self.out.best_ratio = Some((self.sigma, pa, self.chosen.clone()));
        }
        if depth >= self.order.len() {
            return;
        }
        // Bounds for everything below.
        let reach = self.coverable_pi();
        let profit_hopeless = reach <= self.sigma
            || self
                .out
                .best_profit
                .as_ref()
                .is_some_and(|(p, _)| reach.saturating_sub(self.sigma) <= *p);
        let ratio_hopeless = reach.is_zero()
            || self
                .out
                .best_ratio
                .as_ref()
                .is_some_and(|(b, a, _)| wide(self.sigma, *a) >= wide(*b, reach));
        if profit_hopeless && ratio_hopeless {
            return;
        }
        let v = self.order[depth];
        let sv = self.g.stake[v];
        // In.
        for s in &self.g.services_of[v] {
            self.cov[*s] = self.cov[*s].saturating_add(sv);
            self.rem[*s] = self.rem[*s].saturating_sub(sv);
        }
        self.sigma = self.sigma.saturating_add(sv);
        self.chosen.push(v);
        self.visit(depth.saturating_add(1));
        self.chosen.pop();
        self.sigma = self.sigma.saturating_sub(sv);
        for s in &self.g.services_of[v] {
            self.cov[*s] = self.cov[*s].saturating_sub(sv);
        }
        // Out.
        self.visit(depth.saturating_add(1));
        for s in &self.g.services_of[v] {
            self.rem[*s] = self.rem[*s].saturating_add(sv);
        }
    }
}

/// Searches `g` with at most `node_limit` nodes.
pub fn search(g: &Graph, node_limit: u64) -> Outcome {
    let mut order: Vec<usize> = (0..g.stake.len())
        .filter(|v| !g.services_of[*v].is_empty())
        .collect();
    order.sort_by(|a, b| g.stake[*b].cmp(&g.stake[*a]).then(a.cmp(b)));
    let total: Vec<U256> = g
        .members
        .iter()
        .map(|m| {
            m.iter()
                .fold(U256::ZERO, |a, v| a.saturating_add(g.stake[*v]))
        })
        .collect();
    let mut s = Search {
        g,
        order,
        rem: total.clone(),
        total,
        cov: vec![U256::ZERO; g.members.len()],
        chosen: Vec::new(),
        sigma: U256::ZERO,
        limit: node_limit,
        out: Outcome {
            complete: true,
            ..Outcome::default()
        },
    };
    s.visit(0);
    s.out
}
