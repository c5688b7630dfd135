//! Branch and bound over coalitions, for thresholds below 1 on graphs past the exhaustive budget.
//!
//! Validators that secure some service are decided one by one (largest stake first), in or out.
//! At every node the coalition decided so far is itself a candidate, seeded with the greedy
//! attacks. A subtree is pruned when it can improve neither objective (the best profit, the
//! lowest ratio). Every service still *open* (with profit, not covered yet, but coverable by the
//! undecided validators) has a *deficit*: the stake the coalition must still add to cover it.
//! A completion adding stake `X` newly covers a set `A'` of open services, and `X` is at least
//! - the largest deficit in `A'`, and
//! - the sum over `A'` of the *shares* `⌊deficit_s / k_s⌋`, where `k_s` is the most open
//!   services any undecided member of `s` secures (each added validator's stake is counted at
//!   most once over the services it helps, so the shares are a feasible dual).
//!
//! Each gives an upper bound on the profit (`π(covered) − σ(in) + max_{A'} (π(A') − X)`) and a
//! lower bound on the ratio (`(σ(in) + X) / (π(covered) + π(A'))`), optimised exactly over `A'`:
//! by deficit, the best `A'` is a prefix in deficit order; by shares, every service worth more
//! than its share for the profit, a prefix in share-per-profit order for the ratio. The tighter
//! of the two is used. A completion that covers nothing new is no better than the node itself.
//! A validator none of whose services is open is only ever left out (taking it adds cost and no
//! coverage). The search stops at a node budget and says whether it finished; only a finished
//! search is exact.
// Indices run over the graph's own lists, built and validated by `Graph`.
#![allow(clippy::indexing_slicing)]

use crate::graph::Graph;
use crate::number::wide;
use alloy_primitives::U256;
use alloy_primitives::ruint::aliases::U512;

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
    /// Least coverage that meets each service's threshold: `⌈α_s σ(N(s))⌉`.
    need: Vec<U256>,
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

    /// Whether `s` has profit, is not covered yet, and the undecided validators could cover it.
    fn is_open(&self, s: usize) -> bool {
        !self.g.pfc[s].is_zero()
            && self.cov[s] < self.need[s]
            && self.cov[s].saturating_add(self.rem[s]) >= self.need[s]
    }

    /// The open services below `depth`, with their deficits and shares.
    fn open_services(&self, depth: usize) -> Vec<Open> {
        let n = self.g.members.len();
        let open: Vec<bool> = (0..n).map(|s| self.is_open(s)).collect();
        // k_s: the most open services any undecided member of s secures.
        let mut k = vec![0usize; n];
        for v in &self.order[depth..] {
            let mine = &self.g.services_of[*v];
            let kv = mine.iter().filter(|s| open[**s]).count();
            for s in mine {
                if open[*s] {
                    k[*s] = k[*s].max(kv);
                }
            }
        }
        (0..n)
            .filter(|s| open[*s])
            .map(|s| {
                let deficit = self.need[s].saturating_sub(self.cov[s]);
                Open {
                    deficit,
                    share: deficit
                        .checked_div(U256::from(k[s].max(1)))
                        .unwrap_or_default(),
                    pfc: self.g.pfc[s],
                }
            })
            .collect()
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
        // Bounds for everything below (see the module's comment).
        let open = self.open_services(depth);
        let (gain, ratio) = bounds(self.sigma, pa, open);
        let profit_hopeless = gain.is_none_or(|g| {
            let reach = pa.saturating_add(g);
            reach <= self.sigma
                || self
                    .out
                    .best_profit
                    .as_ref()
                    .is_some_and(|(p, _)| reach.saturating_sub(self.sigma) <= *p)
        });
        let ratio_hopeless = ratio.is_none_or(|(n, d)| {
            self.out
                .best_ratio
                .as_ref()
                .is_some_and(|(b, a, _)| wide(n, *a) >= wide(*b, d))
        });
        if profit_hopeless && ratio_hopeless {
            return;
        }
        let v = self.order[depth];
        let sv = self.g.stake[v];
        // In, unless v can help cover no open service: then any completion with v is the same
        // completion without it, at a higher cost.
        if !self.g.services_of[v].iter().any(|s| self.is_open(*s)) {
            for s in &self.g.services_of[v] {
                self.rem[*s] = self.rem[*s].saturating_sub(sv);
            }
            self.visit(depth.saturating_add(1));
            for s in &self.g.services_of[v] {
                self.rem[*s] = self.rem[*s].saturating_add(sv);
            }
            return;
        }
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

/// A service a completion could still newly cover.
struct Open {
    /// Stake the coalition must still add to cover it.
    deficit: U256,
    /// `⌊deficit / k_s⌋`: the part of its deficit a completion pays for it alone.
    share: U256,
    /// Its profit from corruption.
    pfc: U256,
}

/// Upper bound on the profit a completion can add (`None`: it cannot add any) and lower bound on
/// its ratio `σ(B) / π(A)` (`None`: no completion covers anything new), for a node with stake
/// `sigma` that covers profit `pa`. Each is the tighter of two relaxations of the added stake
/// `X`: at least the largest deficit covered, and at least the sum of the shares covered.
fn bounds(sigma: U256, pa: U256, mut open: Vec<Open>) -> (Option<U256>, Option<(U256, U256)>) {
    if open.is_empty() {
        return (None, None);
    }
    let better = |x: (U256, U256), y: (U256, U256)| wide(x.0, y.1) < wide(y.0, x.1);
    // By deficit: the services newly covered by X are among those with deficit ≤ X.
    open.sort_unstable_by_key(|o| o.deficit);
    let (mut prefix, mut gain_max, mut ratio_max) = (U256::ZERO, U256::ZERO, None);
    for o in &open {
        prefix = prefix.saturating_add(o.pfc);
        gain_max = gain_max.max(prefix.saturating_sub(o.deficit));
        let r = (sigma.saturating_add(o.deficit), pa.saturating_add(prefix));
        if ratio_max.is_none_or(|best| better(r, best)) {
            ratio_max = Some(r);
        }
    }
    // By shares: X pays at least every covered service's share, so the best gain takes every
    // service worth more than its share, and the best ratio a prefix in order of share / π.
    let gain_sum = open.iter().fold(U256::ZERO, |a, o| {
        a.saturating_add(o.pfc.saturating_sub(o.share))
    });
    open.sort_unstable_by(|a, b| wide(a.share, b.pfc).cmp(&wide(b.share, a.pfc)));
    let (mut cost, mut prize, mut ratio_sum) = (sigma, pa, None);
    for o in &open {
        cost = cost.saturating_add(o.share);
        prize = prize.saturating_add(o.pfc);
        if ratio_sum.is_none_or(|best| better((cost, prize), best)) {
            ratio_sum = Some((cost, prize));
        }
    }
    let gain = gain_max.min(gain_sum);
    let ratio = match (ratio_max, ratio_sum) {
        (Some(a), Some(b)) => Some(if better(a, b) { b } else { a }),
        (a, b) => a.or(b),
    };
    (Some(gain), ratio)
}

/// Searches `g` with at most `node_limit` nodes.
pub fn search(g: &Graph, node_limit: u64) -> Outcome {
    search_from(g, node_limit, None, None)
}

/// [`search`], starting from coalitions already found (a heuristic's best profit and best
/// ratio): a good incumbent prunes more. They must be valued as the search values them: the
/// profit `π(A(B)) − σ(B) > 0` and the ratio `(σ(B), π(A(B)))` with `π(A(B)) > 0`.
pub fn search_from(
    g: &Graph,
    node_limit: u64,
    best_profit: Option<(U256, Vec<usize>)>,
    best_ratio: Option<(U256, U256, Vec<usize>)>,
) -> Outcome {
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
    let need = total
        .iter()
        .zip(&g.alpha)
        .map(|(t, (p, q))| {
            let q = U512::from_limbs_slice(q.as_limbs());
            let (quot, rest) = wide(*p, *t).div_rem(q);
            let quot = if rest.is_zero() {
                quot
            } else {
                quot.saturating_add(U512::from(1))
            };
            // `α ≤ 1`, so the need is at most the total and fits.
            U256::from_limbs_slice(quot.as_limbs().get(..4).unwrap_or_default())
        })
        .collect();
    let mut s = Search {
        g,
        need,
        order,
        rem: total.clone(),
        total,
        cov: vec![U256::ZERO; g.members.len()],
        chosen: Vec::new(),
        sigma: U256::ZERO,
        limit: node_limit,
        out: Outcome {
            complete: true,
            best_profit,
            best_ratio,
            nodes: 0,
        },
    };
    s.visit(0);
    s.out
}
