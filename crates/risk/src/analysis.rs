//! Exact security analysis of a restaking graph (DR24, `risk.md` §1 and §6).
//!
//! Conventions (each one tested against the vectors):
//! - an attack `(A, B)` needs every `s ∈ A` covered, `σ(B ∩ N(s)) ≥ α_s · σ(N(s))` with `σ` the
//!   *remaining* stake, and is valid only if strictly profitable, `π(A) > σ(B)`;
//! - the empty attack is not an attack; a service with no remaining stake is corruptible for free;
//! - `γ* = min σ(B) / π(A) − 1` over attacking coalitions with `π(A) > 0`;
//! - `R_ψ = max over shocks D with σ(D) ≤ ψ σ(V) of (σ(D) + max σ(B) over valid attacks on the
//!   graph without D) / σ(V)`: by DR24's Corollary 1 a cascade's union is one valid attack, so no
//!   cascade search is needed for the worst case.
//!
//! Methods: with every `α = 1` the best attack is a maximum-weight closure, one minimum cut, and
//! `γ*` follows by Dinkelbach's iteration over minimum cuts — polynomial, exact at any size.
//! Otherwise every coalition `B` is enumerated (the best `A` for a given `B` is every service it
//! covers), up to a size budget; past it the answer is the bracket `[γ_cert, γ_found]` from the
//! certificate and a greedy attack search improved by local search, marked `exact: false`,
//! unless a branch and bound over coalitions finishes within its node budget (then exact). `R_ψ` is exhaustive
//! (`3^|V|` pairs of shock and coalition) within its own budget, otherwise bounded by
//! `(1 + 1/γ) ψ` when a positive slack is known. Every attack reported is re-checked exactly.
// Every index used here comes from the graph's own lists (`members`, `services_of`, masks over
// `0..|V|`), which `Graph` builds and validates, so indexing cannot go out of range.
#![allow(clippy::indexing_slicing)]

use crate::error::RiskError;
use crate::flow::Network;
use crate::graph::Graph;
use crate::number::{Frac, wide};
use alloy_primitives::U256;
use serde::{Deserialize, Deserializer, Serialize};
use std::cmp::Ordering;

/// Size budgets of the exhaustive searches.
#[derive(Debug, Clone)]
pub struct Options {
    /// Shock size `ψ` as a fraction of total stake, for the worst-case loss.
    pub psi: Option<Frac>,
    /// Most validators for the exhaustive attack search (`2^n` coalitions).
    pub exhaustive_validators: usize,
    /// Most validators for the exhaustive worst-case loss (`3^n` shock/coalition pairs).
    pub loss_validators: usize,
    /// Enumerate coalitions even when every `α = 1` (to cross-check the minimum cut).
    pub force_exhaustive: bool,
    /// Node budget of the branch and bound past the exhaustive budget (0 turns it off).
    pub bnb_nodes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            psi: None,
            exhaustive_validators: 20,
            loss_validators: 13,
            force_exhaustive: false,
            bnb_nodes: 200_000,
        }
    }
}

/// An attack: services attacked and validators that corrupt them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    /// Service ids.
    pub services: Vec<String>,
    /// Validator ids.
    pub validators: Vec<String>,
}

/// The worst shock and what follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LossReport {
    /// `R_ψ` as a fraction of total stake (exact), or the upper bound when not exact.
    pub worst_case_loss: Option<String>,
    /// Whether `worstCaseLoss` is exact.
    pub exact: bool,
    /// `(1 + 1/γ) ψ` when a positive slack is known (DR24 Theorem 1: `R_ψ` is below it).
    pub slack_bound: Option<String>,
    /// The shock's validators.
    pub shock: Vec<String>,
    /// The attack after it (empty when none is valid).
    pub attack: Witness,
    /// The shock's own share of the loss.
    pub shock_loss: Option<String>,
}

/// One service on its own (necessary, not sufficient, for security: it ignores sharing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceReport {
    /// Id.
    pub id: String,
    /// `π_s`.
    pub pfc: String,
    /// `α_s · σ(N(s))`: what corrupting it alone costs.
    pub cost_of_corruption: String,
    /// `cost ≥ π_s`.
    pub naive_secure: bool,
    /// Per-service slack `γ_s = min σ(B)/π(A) − 1` over attacking coalitions with `s ∈ A` (how
    /// far every profit can grow before an attack including `s` pays); `null` when not computed
    /// (past the budget) or no such coalition has profit.
    pub slack: Option<String>,
}

/// The analysis of one graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The case id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// No valid attack exists (`null` when neither proven nor certified).
    pub secure: Option<bool>,
    /// Whether `secure`, `maxAttackProfit` and `gammaStar` are exact.
    pub exact: bool,
    /// `min-cut`, `exhaustive`, `branch-and-bound`, `bracket` or `components`.
    #[serde(deserialize_with = "method_name")]
    pub method: MethodName,
    /// `max π(A) − σ(B)` over attacks (`0` when secure), in input units.
    pub max_attack_profit: Option<String>,
    /// `γ*` (signed `p/q`), `null` when no coalition has profit to gain or it is not exact.
    pub gamma_star: Option<String>,
    /// `γ_cert = 1 / max_v e_v − 1` (a lower bound on `γ*`), `null` when no validator is exposed.
    pub gamma_cert: Option<String>,
    /// `max_v e_v`, the EigenLayer condition's left side.
    pub eigenlayer_condition_max_e: Option<String>,
    /// The EigenLayer condition holds (`e_v ≤ 1` for every validator and no service with profit
    /// is left without stake): secure without any search.
    pub certified_secure: bool,
    /// `[γ_cert, γ_found]` when `γ*` is not exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gamma_bracket: Option<[Option<String>; 2]>,
    /// The most profitable attack when insecure, else the coalition attaining `γ*`.
    pub witness: Witness,
    /// With a shock size: `R_ψ` as a fraction of total stake (`"p/q"`), exact or the bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_case_loss: Option<String>,
    /// With a shock size: how `worstCaseLoss` comes about (the shock, the attack after it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_case: Option<LossReport>,
    /// Per service.
    pub services: Vec<ServiceReport>,
    /// The validators with the largest `e_v` (at most ten): where the certificate is tightest.
    pub top_exposures: Vec<Exposure>,
}

/// The name of an analysis method. An alias, so that serde reads it with [`method_name`] instead
/// of borrowing it from the input (which would tie a `Report` read back to a `'static` input).
pub type MethodName = &'static str;

/// Every value of [`Report::method`].
const METHODS: [&str; 5] = [
    "min-cut",
    "exhaustive",
    "branch-and-bound",
    "bracket",
    "components",
];

/// Reads a method name back as the static name the analysis uses.
fn method_name<'de, D: Deserializer<'de>>(d: D) -> Result<MethodName, D::Error> {
    let name = String::deserialize(d)?;
    METHODS
        .iter()
        .find(|m| **m == name)
        .copied()
        .ok_or_else(|| serde::de::Error::unknown_variant(&name, &METHODS))
}

/// One validator's EigenLayer exposure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// The validator.
    pub validator: String,
    /// `e_v` as `p/q`; above 1 the certificate fails at this validator.
    pub e: String,
}

/// Whether `covered · q ≥ p · total` (a service with no stake is always covered).
fn covers(covered: U256, total: U256, alpha: (U256, U256)) -> bool {
    wide(covered, alpha.1) >= wide(alpha.0, total)
}

/// Best attacks found by enumerating coalitions of `candidates` (validators outside `removed`).
struct Search {
    /// Per service, the lowest `σ(B) / π(A)` over coalitions covering it (when tracked).
    per_service: Vec<Option<(U256, U256)>>,
    best_profit: Option<(U256, u64)>,
    best_ratio: Option<(U256, U256, u64)>,
    best_valid_cost: Option<(U256, u64)>,
}

fn enumerate(g: &Graph, removed: u64, per_service: bool) -> Search {
    let n = g.stake.len();
    let candidates: Vec<usize> = (0..n).filter(|v| removed & (1u64 << v) == 0).collect();
    let total: Vec<U256> = g
        .members
        .iter()
        .map(|m| {
            m.iter()
                .filter(|v| removed & (1u64 << **v) == 0)
                .map(|v| g.stake.get(*v).copied().unwrap_or_default())
                .fold(U256::ZERO, |a, x| a.saturating_add(x))
        })
        .collect();
    let mut covered = vec![U256::ZERO; g.members.len()];
    let mut status: Vec<bool> = (0..g.members.len())
        .map(|s| covers(U256::ZERO, total[s], g.alpha[s]))
        .collect();
    let mut pi_a = status
        .iter()
        .zip(&g.pfc)
        .filter(|(c, _)| **c)
        .fold(U256::ZERO, |a, (_, p)| a.saturating_add(*p));
    let mut count = status.iter().filter(|c| **c).count();
    let mut sigma_b = U256::ZERO;
    let mut mask = 0u64;
    let mut out = Search {
        per_service: vec![None; if per_service { g.members.len() } else { 0 }],
        best_profit: None,
        best_ratio: None,
        best_valid_cost: None,
    };
    let k = candidates.len();
    let steps: u64 = 1u64 << k;
    for step in 0..steps {
        if step > 0 {
            // Gray code: flip the lowest set bit's position of `step`.
            let bit = step.trailing_zeros() as usize;
            let v = candidates[bit];
            let on = mask & (1u64 << v) == 0;
            mask ^= 1u64 << v;
            let sv = g.stake[v];
            sigma_b = if on {
                sigma_b.saturating_add(sv)
            } else {
                sigma_b.saturating_sub(sv)
            };
            for &s in &g.services_of[v] {
                covered[s] = if on {
                    covered[s].saturating_add(sv)
                } else {
                    covered[s].saturating_sub(sv)
                };
                let now = covers(covered[s], total[s], g.alpha[s]);
                if now != status[s] {
                    status[s] = now;
                    if now {
                        pi_a = pi_a.saturating_add(g.pfc[s]);
                        count = count.saturating_add(1);
                    } else {
                        pi_a = pi_a.saturating_sub(g.pfc[s]);
                        count = count.saturating_sub(1);
                    }
                }
            }
        }
        if count == 0 {
            continue;
        }
        if pi_a > sigma_b {
            let profit = pi_a.saturating_sub(sigma_b);
            if out.best_profit.is_none_or(|(p, _)| profit > p) {
                out.best_profit = Some((profit, mask));
            }
            if out.best_valid_cost.is_none_or(|(c, _)| sigma_b > c) {
                out.best_valid_cost = Some((sigma_b, mask));
            }
        }
        if !pi_a.is_zero()
            && out
                .best_ratio
                .is_none_or(|(b, a, _)| wide(sigma_b, a) < wide(b, pi_a))
        {
            out.best_ratio = Some((sigma_b, pi_a, mask));
        }
        if per_service && !pi_a.is_zero() {
            for (s, on) in status.iter().enumerate() {
                if *on && out.per_service[s].is_none_or(|(b, a)| wide(sigma_b, a) < wide(b, pi_a)) {
                    out.per_service[s] = Some((sigma_b, pi_a));
                }
            }
        }
    }
    out
}

/// The services `B` covers once the validators in `removed` are gone.
fn attacked_by(g: &Graph, b: &[usize], removed: &[usize]) -> Vec<usize> {
    // Membership by index: the heuristics call this for every candidate move, with coalitions of
    // hundreds of validators.
    let mut role = vec![0u8; g.stake.len()];
    for v in b {
        role[*v] = 1;
    }
    for v in removed {
        role[*v] = 2;
    }
    (0..g.members.len())
        .filter(|s| {
            let (mut cov, mut tot) = (U256::ZERO, U256::ZERO);
            for v in &g.members[*s] {
                if role[*v] == 2 {
                    continue;
                }
                tot = tot.saturating_add(g.stake[*v]);
                if role[*v] == 1 {
                    cov = cov.saturating_add(g.stake[*v]);
                }
            }
            covers(cov, tot, g.alpha[*s])
        })
        .collect()
}

fn bits(mask: u64, n: usize) -> Vec<usize> {
    (0..n).filter(|v| mask & (1u64 << v) != 0).collect()
}

fn sum(g: &Graph, vs: &[usize]) -> U256 {
    vs.iter()
        .fold(U256::ZERO, |a, v| a.saturating_add(g.stake[*v]))
}

fn pi(g: &Graph, ss: &[usize]) -> U256 {
    ss.iter()
        .fold(U256::ZERO, |a, s| a.saturating_add(g.pfc[*s]))
}

fn witness(g: &Graph, services: &[usize], validators: &[usize]) -> Witness {
    Witness {
        services: services.iter().map(|s| g.service_ids[*s].clone()).collect(),
        validators: validators
            .iter()
            .map(|v| g.validator_ids[*v].clone())
            .collect(),
    }
}

fn units(g: &Graph, v: U256) -> Result<String, RiskError> {
    Ok(Frac::new(v, g.scale)?.render())
}

/// `max π_A − σ_{N(A)} `-style closure with weights `wp · π` and `ws · σ`: returns the best value
/// and the services of an optimal closure.
fn closure(g: &Graph, wp: U256, ws: U256) -> Result<(U256, Vec<usize>), RiskError> {
    closure_with(g, wp, ws, None)
}

/// [`closure`] restricted to closures containing `forced` (its source edge cannot be cut).
fn closure_with(
    g: &Graph,
    wp: U256,
    ws: U256,
    forced: Option<usize>,
) -> Result<(U256, Vec<usize>), RiskError> {
    let ns = g.members.len();
    let nv = g.stake.len();
    let src = ns.saturating_add(nv);
    let sink = src.saturating_add(1);
    let mut net = Network::new(src.saturating_add(2));
    let mut total = U256::ZERO;
    let mut inf = U256::from(1);
    for s in 0..ns {
        let c = g.pfc[s].checked_mul(wp).ok_or(RiskError::Overflow)?;
        total = total.checked_add(c).ok_or(RiskError::Overflow)?;
        net.add(src, s, c);
    }
    for v in 0..nv {
        let c = g.stake[v].checked_mul(ws).ok_or(RiskError::Overflow)?;
        inf = inf.checked_add(c).ok_or(RiskError::Overflow)?;
        net.add(ns.saturating_add(v), sink, c);
    }
    inf = inf.checked_add(total).ok_or(RiskError::Overflow)?;
    if let Some(f) = forced {
        net.add(src, f, inf);
    }
    for (s, m) in g.members.iter().enumerate() {
        for v in m {
            net.add(s, ns.saturating_add(*v), inf);
        }
    }
    let cut = net.max_flow(src, sink);
    let side = net.source_side(src);
    let chosen: Vec<usize> = (0..ns).filter(|s| side[*s]).collect();
    Ok((total.saturating_sub(cut), chosen))
}

fn neighbourhood(g: &Graph, services: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = services
        .iter()
        .flat_map(|s| g.members[*s].iter().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `max_v e_v` with `e_v = Σ_{s ∋ v} π_s / (α_s σ(N(s)))`, exactly; `None` if no validator is
/// exposed, an error if the sum outgrows 256 bits.
fn max_exposure(g: &Graph) -> Result<Option<Frac>, RiskError> {
    let mut best: Option<Frac> = None;
    for e in exposures(g)? {
        if best.is_none_or(|b| e.cmp_frac(&b) == Ordering::Greater) {
            best = Some(e);
        }
    }
    Ok(best.filter(|b| !b.num.is_zero()))
}

/// Every validator's exposure `e_v = Σ_{s ∈ N(v)} π_s / (α_s σ(N(s)))`, in input order.
pub fn exposures(g: &Graph) -> Result<Vec<Frac>, RiskError> {
    let totals: Vec<U256> = g.members.iter().map(|m| sum(g, m)).collect();
    let mut out = Vec::with_capacity(g.stake.len());
    for services in &g.services_of {
        let mut e = Frac::ZERO;
        for s in services {
            let (p, q) = g.alpha[*s];
            let num = g.pfc[*s].checked_mul(q).ok_or(RiskError::Overflow)?;
            let den = p.checked_mul(totals[*s]).ok_or(RiskError::Overflow)?;
            e = e.add(&Frac::new(num, den)?)?;
        }
        out.push(e);
    }
    Ok(out)
}

/// How many validators [`Report::top_exposures`] lists.
pub const TOP_EXPOSURES: usize = 10;

/// The validators most exposed, `e_v` largest first (ties in input order), those with `e_v > 0`.
fn top_exposures(g: &Graph) -> Result<Vec<Exposure>, RiskError> {
    let mut all: Vec<(usize, Frac)> = exposures(g)?
        .into_iter()
        .enumerate()
        .filter(|(_, e)| !e.num.is_zero())
        .collect();
    all.sort_by(|a, b| b.1.cmp_frac(&a.1).then(a.0.cmp(&b.0)));
    Ok(all
        .into_iter()
        .take(TOP_EXPOSURES)
        .map(|(v, e)| Exposure {
            validator: g.validator_ids[v].clone(),
            e: e.render(),
        })
        .collect())
}

/// Most services for which the min-cut path computes a slack each (one Dinkelbach run per
/// service).
pub const PER_SERVICE_MIN_CUT_LIMIT: usize = 200;

/// `min σ(N(A)) / π(A)` over `A ∋ forced` (every `α = 1`), by Dinkelbach's iteration.
fn forced_ratio(g: &Graph, forced: usize) -> Result<Option<Frac>, RiskError> {
    let mut a: Vec<usize> = (0..g.members.len())
        .filter(|s| !g.pfc[*s].is_zero() || *s == forced)
        .collect();
    if pi(g, &a).is_zero() {
        return Ok(None);
    }
    for _ in 0..=g.members.len().saturating_mul(4).max(64) {
        let (num, den) = (sum(g, &neighbourhood(g, &a)), pi(g, &a));
        let (gain, mut next) = closure_with(g, num, den, Some(forced))?;
        if gain.is_zero() || next.is_empty() {
            return Ok(Some(Frac::new(num, den)?));
        }
        if !next.contains(&forced) {
            next.push(forced);
        }
        a = next;
    }
    Err(RiskError::BadInput(
        "internal: the slack iteration did not converge".into(),
    ))
}

/// Greedy attacks for graphs past the exhaustive budget: for each service, its largest
/// validators until it is covered, with every service that coalition covers.
/// The most profitable attack found (profit, coalition) and the lowest-ratio coalition found
/// (σ(B), π(A), coalition).
type Found = (Option<(U256, Vec<usize>)>, Option<(U256, U256, Vec<usize>)>);

fn greedy(g: &Graph) -> Found {
    let mut best_profit: Option<(U256, Vec<usize>)> = None;
    let mut best_ratio: Option<(U256, U256, Vec<usize>)> = None;
    for s in 0..g.members.len() {
        let mut order = g.members[s].clone();
        order.sort_by(|a, b| g.stake[*b].cmp(&g.stake[*a]).then(a.cmp(b)));
        let total = sum(g, &order);
        let mut b = Vec::new();
        let mut cov = U256::ZERO;
        for v in order {
            if covers(cov, total, g.alpha[s]) {
                break;
            }
            cov = cov.saturating_add(g.stake[v]);
            b.push(v);
        }
        for b in [b.clone(), local_search(g, b)] {
            let a = attacked_by(g, &b, &[]);
            let (pa, sb) = (pi(g, &a), sum(g, &b));
            if pa > sb
                && best_profit
                    .as_ref()
                    .is_none_or(|(p, _)| pa.saturating_sub(sb) > *p)
            {
                best_profit = Some((pa.saturating_sub(sb), b.clone()));
            }
            if !pa.is_zero()
                && best_ratio
                    .as_ref()
                    .is_none_or(|(x, y, _)| wide(sb, *y) < wide(*x, pa))
            {
                best_ratio = Some((sb, pa, b));
            }
        }
    }
    (best_profit, best_ratio)
}

/// Most validators the branch and bound decides (its recursion depth).
pub const BNB_MAX_DEPTH: usize = 2_000;

/// Most improving moves [`local_search`] makes from one starting coalition.
const LOCAL_SEARCH_MOVES: usize = 64;

/// Improves a coalition's ratio `σ(B) / π(A(B))` by single moves — drop a member, or add a
/// validator of a service it almost covers — taking the best move each time, until none helps.
fn local_search(g: &Graph, start: Vec<usize>) -> Vec<usize> {
    let better = |x: (U256, U256), y: (U256, U256)| wide(x.0, y.1) < wide(y.0, x.1);
    let totals: Vec<U256> = g.members.iter().map(|m| sum(g, m)).collect();
    let mut b = start;
    let mut in_b = vec![false; g.stake.len()];
    let mut cov = vec![U256::ZERO; g.members.len()];
    for v in &b {
        in_b[*v] = true;
        for s in &g.services_of[*v] {
            cov[*s] = cov[*s].saturating_add(g.stake[*v]);
        }
    }
    let mut sigma = sum(g, &b);
    let mut pa = pi(g, &attacked_by(g, &b, &[]));
    if pa.is_zero() {
        return b;
    }
    // A move touches only the services of the validator it moves: (σ, π) after it, in O(deg).
    let moved = |v: usize, adding: bool, cov: &[U256], sigma: U256, pa: U256| -> (U256, U256) {
        let sv = g.stake[v];
        let mut p = pa;
        for s in &g.services_of[v] {
            let was = covers(cov[*s], totals[*s], g.alpha[*s]);
            let after = if adding {
                cov[*s].saturating_add(sv)
            } else {
                cov[*s].saturating_sub(sv)
            };
            let now = covers(after, totals[*s], g.alpha[*s]);
            if now && !was {
                p = p.saturating_add(g.pfc[*s]);
            } else if was && !now {
                p = p.saturating_sub(g.pfc[*s]);
            }
        }
        let sigma = if adding {
            sigma.saturating_add(sv)
        } else {
            sigma.saturating_sub(sv)
        };
        (sigma, p)
    };
    for _ in 0..LOCAL_SEARCH_MOVES {
        let current = (sigma, pa);
        // (position in b for a drop or None for an add, validator, ratio)
        let mut best: Option<(Option<usize>, usize, (U256, U256))> = None;
        // Drops.
        for (i, v) in b.iter().enumerate() {
            let r = moved(*v, false, &cov, sigma, pa);
            if !r.1.is_zero() && better(r, best.map_or(current, |x| x.2)) {
                best = Some((Some(i), *v, r));
            }
        }
        // Adds: validators of the services next to the coalition.
        let mut near: Vec<usize> = b
            .iter()
            .flat_map(|v| g.services_of[*v].iter())
            .flat_map(|s| g.members[*s].iter().copied())
            .filter(|v| !in_b[*v])
            .collect();
        near.sort_unstable();
        near.dedup();
        for v in near {
            let r = moved(v, true, &cov, sigma, pa);
            if !r.1.is_zero() && better(r, best.map_or(current, |x| x.2)) {
                best = Some((None, v, r));
            }
        }
        let Some((drop, v, r)) = best else {
            break;
        };
        let adding = drop.is_none();
        for s in &g.services_of[v] {
            cov[*s] = if adding {
                cov[*s].saturating_add(g.stake[v])
            } else {
                cov[*s].saturating_sub(g.stake[v])
            };
        }
        in_b[v] = adding;
        match drop {
            Some(i) => {
                b.remove(i);
            }
            None => b.push(v),
        }
        (sigma, pa) = r;
    }
    b
}

/// The parts of a report that need no attack search: the certificate and the service table.
fn base(g: &Graph) -> Result<(Report, Option<Frac>, bool), RiskError> {
    let max_e = max_exposure(g)?;
    // A service with profit and no stake is corruptible for free: the certificate cannot hold.
    let free = g
        .members
        .iter()
        .zip(&g.pfc)
        .any(|(m, p)| m.is_empty() && !p.is_zero());
    let gamma_cert = if free {
        Some("-1".to_string())
    } else {
        max_e
            .map(|e| Frac::new(e.den, e.num).map(|r| r.minus_one()))
            .transpose()?
    };
    let services = (0..g.members.len())
        .map(|s| -> Result<ServiceReport, RiskError> {
            let (p, q) = g.alpha[s];
            let total = sum(g, &g.members[s]);
            let coc_num = total.checked_mul(p).ok_or(RiskError::Overflow)?;
            let coc_den = g.scale.checked_mul(q).ok_or(RiskError::Overflow)?;
            Ok(ServiceReport {
                id: g.service_ids[s].clone(),
                pfc: units(g, g.pfc[s])?,
                cost_of_corruption: Frac::new(coc_num, coc_den)?.render(),
                naive_secure: wide(total, p) >= wide(g.pfc[s], q),
                slack: None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let report = Report {
        id: g.id.clone(),
        secure: None,
        exact: true,
        method: "exhaustive",
        max_attack_profit: None,
        gamma_star: None,
        gamma_cert,
        eigenlayer_condition_max_e: max_e.map(|e| e.render()),
        certified_secure: !free && max_e.is_none_or(|e| e.num <= e.den),
        gamma_bracket: None,
        witness: Witness::default(),
        worst_case_loss: None,
        worst_case: None,
        services,
        top_exposures: top_exposures(g)?,
    };
    Ok((report, max_e, free))
}

/// Analyses `g`.
pub fn analyze(g: &Graph, opts: &Options) -> Result<Report, RiskError> {
    let n = g.stake.len();
    // Past the exhaustive budget, general thresholds are solved one component at a time.
    if !g.unanimous() && (n > opts.exhaustive_validators || n >= 63) {
        let comps = crate::components::components(g);
        if comps.len() > 1 {
            return by_components(g, &comps, opts);
        }
    }
    let (mut report, max_e, free) = base(g)?;
    let mut gamma: Option<Frac> = None;

    if g.unanimous() && !opts.force_exhaustive {
        report.method = "min-cut";
        let (profit, a) = closure(g, U256::from(1), U256::from(1))?;
        let b = neighbourhood(g, &a);
        verify_attack(g, &a, &b, !profit.is_zero())?;
        report.secure = Some(profit.is_zero());
        report.max_attack_profit = Some(units(g, profit)?);
        if !profit.is_zero() {
            report.witness = witness(g, &a, &b);
        }
        // Dinkelbach from the all-in coalition.
        let start: Vec<usize> = (0..g.members.len())
            .filter(|s| !g.pfc[*s].is_zero())
            .collect();
        if !start.is_empty() {
            let mut a = start;
            loop {
                let (num, den) = (sum(g, &neighbourhood(g, &a)), pi(g, &a));
                let (gain, next) = closure(g, num, den)?;
                if gain.is_zero() || next.is_empty() {
                    gamma = Some(Frac::new(num, den)?);
                    if profit.is_zero() {
                        let b = neighbourhood(g, &a);
                        report.witness = witness(g, &a, &b);
                    }
                    break;
                }
                a = next;
            }
        }
        if g.members.len() <= PER_SERVICE_MIN_CUT_LIMIT {
            for sid in 0..g.members.len() {
                let slack = forced_ratio(g, sid)?.map(|r| r.minus_one());
                if let Some(svc) = report.services.get_mut(sid) {
                    svc.slack = slack;
                }
            }
        }
    } else if n <= opts.exhaustive_validators && n < 63 {
        let found = enumerate(g, 0, true);
        for (sid, best) in found.per_service.iter().enumerate() {
            if let (Some(svc), Some((b, a))) = (report.services.get_mut(sid), best) {
                svc.slack = Some(Frac::new(*b, *a)?.minus_one());
            }
        }
        match found.best_profit {
            Some((profit, mask)) => {
                let b = bits(mask, n);
                let a = attacked_by(g, &b, &[]);
                verify_attack(g, &a, &b, true)?;
                report.secure = Some(false);
                report.max_attack_profit = Some(units(g, profit)?);
                report.witness = witness(g, &a, &b);
            }
            None => {
                report.secure = Some(true);
                report.max_attack_profit = Some("0".into());
            }
        }
        if let Some((sb, pa, mask)) = found.best_ratio {
            gamma = Some(Frac::new(sb, pa)?);
            if report.secure == Some(true) {
                let b = bits(mask, n);
                report.witness = witness(g, &attacked_by(g, &b, &[]), &b);
            }
        }
    } else {
        let relevant = g.services_of.iter().filter(|s| !s.is_empty()).count();
        // The greedy attacks seed the branch and bound (a good incumbent prunes more) and
        // stand alone when it is off or does not finish.
        let heuristic = greedy(g);
        let bnb = (opts.bnb_nodes > 0 && relevant <= BNB_MAX_DEPTH).then(|| {
            crate::bnb::search_from(g, opts.bnb_nodes, heuristic.0.clone(), heuristic.1.clone())
        });
        if let Some(found) = bnb.as_ref().filter(|f| f.complete) {
            report.method = "branch-and-bound";
            match &found.best_profit {
                Some((profit, b)) => {
                    let a = attacked_by(g, b, &[]);
                    verify_attack(g, &a, b, true)?;
                    report.secure = Some(false);
                    report.max_attack_profit = Some(units(g, *profit)?);
                    report.witness = witness(g, &a, b);
                }
                None => {
                    report.secure = Some(true);
                    report.max_attack_profit = Some("0".into());
                }
            }
            if let Some((sb, pa, b)) = &found.best_ratio {
                gamma = Some(Frac::new(*sb, *pa)?);
                if report.secure == Some(true) {
                    report.witness = witness(g, &attacked_by(g, b, &[]), b);
                }
            }
        } else {
            report.method = "bracket";
            report.exact = false;
            let (mut profit, mut ratio) = heuristic;
            // What an unfinished branch and bound found may beat the greedy search.
            if let Some(f) = bnb {
                if let Some((p, b)) = f.best_profit
                    && profit.as_ref().is_none_or(|(q, _)| p > *q)
                {
                    profit = Some((p, b));
                }
                if let Some((sb, pa, b)) = f.best_ratio
                    && ratio
                        .as_ref()
                        .is_none_or(|(x, y, _)| wide(sb, *y) < wide(*x, pa))
                {
                    ratio = Some((sb, pa, b));
                }
            }
            if let Some((_, b)) = profit {
                let a = attacked_by(g, &b, &[]);
                verify_attack(g, &a, &b, true)?;
                report.secure = Some(false);
                report.witness = witness(g, &a, &b);
            } else if max_e.is_none_or(|e| e.num <= e.den) && !free {
                report.secure = Some(true);
            }
            let found = ratio
                .map(|(sb, pa, _)| Frac::new(sb, pa).map(|f| f.minus_one()))
                .transpose()?;
            report.gamma_bracket = Some([report.gamma_cert.clone(), found]);
        }
    }
    report.gamma_star = gamma.map(|g| g.minus_one());

    if let Some(psi) = opts.psi {
        let loss = worst_case_loss(g, psi, gamma, opts)?;
        report.worst_case_loss = loss.worst_case_loss.clone();
        report.worst_case = Some(loss);
    }
    Ok(report)
}

/// [`analyze`] on each component, combined: attacks in different components add up, and the
/// lowest ratio of any component is the graph's.
fn by_components(g: &Graph, comps: &[Vec<usize>], opts: &Options) -> Result<Report, RiskError> {
    use crate::components::{ratio_of, subgraph};
    // The whole graph's certificate and service table; the attack search runs per component.
    let (mut whole, _, _) = base(g)?;
    let inner = Options {
        psi: None,
        ..opts.clone()
    };
    let mut exact = true;
    let mut any_insecure = false;
    let mut all_secure = true;
    let mut profit = Frac::ZERO;
    let mut attack = Witness::default();
    let mut best: Option<(Frac, Witness)> = None;
    let mut found: Option<Frac> = None;
    for c in comps {
        let r = analyze(&subgraph(g, c)?, &inner)?;
        exact &= r.exact;
        match r.secure {
            Some(false) => {
                any_insecure = true;
                all_secure = false;
                if let Some(p) = &r.max_attack_profit {
                    profit = profit.add(&Frac::parse(p)?)?;
                }
                attack.services.extend(r.witness.services.clone());
                attack.validators.extend(r.witness.validators.clone());
            }
            Some(true) => {}
            None => all_secure = false,
        }
        let candidate = match (&r.gamma_star, &r.gamma_bracket) {
            (Some(gs), _) => Some(ratio_of(gs)?),
            (None, Some([_, Some(hi)])) => Some(ratio_of(hi)?),
            _ => None,
        };
        if let Some(c) = candidate {
            if r.gamma_star.is_some() && best.as_ref().is_none_or(|(b, _)| c.cmp_frac(b).is_lt()) {
                best = Some((c, r.witness.clone()));
            }
            if found.is_none_or(|f| c.cmp_frac(&f).is_lt()) {
                found = Some(c);
            }
        }
        for svc in r.services {
            if let Some(w) = whole.services.iter_mut().find(|x| x.id == svc.id) {
                w.slack = svc.slack;
            }
        }
    }
    whole.method = "components";
    whole.exact = exact;
    whole.secure = if any_insecure {
        Some(false)
    } else if all_secure {
        Some(true)
    } else {
        None
    };
    if exact {
        whole.max_attack_profit = Some(profit.render());
        let star = best.as_ref().map(|(f, _)| *f);
        whole.gamma_star = star.map(|f| f.minus_one());
        whole.witness = if any_insecure {
            attack
        } else {
            best.map(|(_, w)| w).unwrap_or_default()
        };
        whole.gamma_bracket = None;
    } else {
        whole.gamma_star = None;
        whole.max_attack_profit = None;
        whole.witness = attack;
        whole.gamma_bracket = Some([whole.gamma_cert.clone(), found.map(|f| f.minus_one())]);
    }
    if let Some(psi) = opts.psi {
        let gamma = whole.gamma_star.as_deref().map(ratio_of).transpose()?;
        let loss = worst_case_loss(g, psi, gamma, opts)?;
        whole.worst_case_loss = loss.worst_case_loss.clone();
        whole.worst_case = Some(loss);
    }
    Ok(whole)
}

/// Re-checks an attack with exact integers before it is reported.
fn verify_attack(g: &Graph, a: &[usize], b: &[usize], valid: bool) -> Result<(), RiskError> {
    if !valid {
        return Ok(());
    }
    let covered = attacked_by(g, b, &[]);
    let ok = !a.is_empty() && a.iter().all(|s| covered.contains(s)) && pi(g, a) > sum(g, b);
    if ok {
        Ok(())
    } else {
        Err(RiskError::BadInput(
            "internal: a solver returned an attack that does not verify".into(),
        ))
    }
}

/// `part / total` as a share of all stake; a graph without stake has nothing to lose.
pub fn share_of(part: U256, total: U256) -> Result<Frac, RiskError> {
    if total.is_zero() {
        return Ok(Frac::ZERO);
    }
    Frac::new(part, total)
}

/// `R_ψ` of `g` (see [`LossReport`]): exact up to `opts.loss_validators` validators, otherwise
/// the DR24 Theorem 1 bound when `ratio = 1 + γ*` is known and above 1.
pub fn worst_case_loss(
    g: &Graph,
    psi: Frac,
    gamma: Option<Frac>,
    opts: &Options,
) -> Result<LossReport, RiskError> {
    let n = g.stake.len();
    let total = g.total_stake();
    // (1 + 1/γ) ψ, when γ > 0 is known.
    let slack_bound = match gamma {
        Some(r) if r.num > r.den => {
            // γ = r − 1 = (num − den)/den; 1 + 1/γ = num / (num − den).
            let gn = r.num.saturating_sub(r.den);
            let num = r.num.checked_mul(psi.num).ok_or(RiskError::Overflow)?;
            let den = gn.checked_mul(psi.den).ok_or(RiskError::Overflow)?;
            Some(Frac::new(num, den)?.render())
        }
        _ => None,
    };
    if n > opts.loss_validators || n >= 63 {
        return Ok(LossReport {
            worst_case_loss: slack_bound.clone(),
            exact: false,
            slack_bound,
            shock: Vec::new(),
            attack: Witness::default(),
            shock_loss: None,
        });
    }
    // (loss, shock, the attack's coalition if one follows)
    let mut best: Option<(U256, u64, Option<u64>)> = None;
    for d in 0u64..(1u64 << n) {
        let dv = bits(d, n);
        let sd = sum(g, &dv);
        // σ(D) ≤ ψ σ(V)
        if wide(sd, psi.den) > wide(psi.num, total) {
            continue;
        }
        let found = enumerate(g, d, false);
        let sb = found.best_valid_cost.map(|(c, _)| c).unwrap_or_default();
        let loss = sd.saturating_add(sb);
        if best.as_ref().is_none_or(|(l, _, _)| loss > *l) {
            best = Some((loss, d, found.best_valid_cost.map(|(_, m)| m)));
        }
    }
    let (loss, d, bm) = best.unwrap_or((U256::ZERO, 0, None));
    let dv = bits(d, n);
    let bv = bm.map(|m| bits(m, n)).unwrap_or_default();
    let av = if bm.is_some() {
        attacked_by(g, &bv, &dv)
    } else {
        Vec::new()
    };
    Ok(LossReport {
        worst_case_loss: Some(share_of(loss, total)?.render()),
        exact: true,
        slack_bound,
        shock: dv.iter().map(|v| g.validator_ids[*v].clone()).collect(),
        attack: witness(g, &av, &bv),
        shock_loss: Some(share_of(sum(g, &dv), total)?.render()),
    })
}
