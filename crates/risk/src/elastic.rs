//! Elastic restaking (Bar-Zur & Eyal, "Elastic Restaking Networks", CCS 2025; `risk.md` §2).
//!
//! Validators allocate `w_ij ≤ σ_i` to services (the allocations may sum past the stake); service
//! `j` falls when attackers commit at least `θ_j` of its total allocation; an attacker loses
//! `min(σ_i, Σ_j x_ij)`; the network is secure when no attack has positive profit. Byzantine
//! services slash all their allocations; the remaining stake `r_i = max(0, σ_i − Σ_{j∈Byz} w_ij)`
//! stretches over the surviving allocations, `w'_ij = min(w_ij, r_i)`.
//!
//! Two exact tools:
//! - [`symmetric_min_stake`]: the closed form for fully symmetric networks (`n` validators and
//!   `n` services, equal stakes, allocations `dσ/n`): the least stake per validator that keeps the
//!   network secure once `b` services are Byzantine, `None` when no finite stake suffices.
//! - [`max_attack_profit`] for small general networks: for each set of attacked services and
//!   each set of validators that lose their whole stake, the rest of the attack is a flow
//!   problem (validators whose load stays under their stake pay exactly what they commit), so
//!   the optimum is exact. [`robustness`] searches Byzantine sets on top of it.
// Indices run over the network's own vectors (validators `0..σ.len()`, services `0..π.len()`,
// the chosen lists built from them), so indexing cannot go out of range.
#![allow(clippy::indexing_slicing)]

use crate::error::RiskError;
use crate::flow::Network;
use crate::number::{Frac, lcm};
use alloy_primitives::U256;

/// The least stake per validator for a fully symmetric network to be secure.
///
/// `n` validators and services, threshold `θ = p/q`, degree `d` (allocations `dσ/n`), `byzantine`
/// services gone, prize `pfc` per service. An attack on `k` surviving services takes `⌊nθ⌋`
/// whole validators and a fractional one, so it costs `σ · c_k` with
/// `c_k = ⌊nθ⌋ · min(ρ, k a) + min(ρ, {nθ} k a)`, where `ρ = max(0, 1 − b d / n)` is the stake left
/// per unit and `a = min(d/n, ρ)` each surviving allocation per unit of stake. Secure iff
/// `σ c_k ≥ k π` for every `k`, so the answer is `max_k k π / c_k` (`None` if some `c_k = 0`).
pub fn symmetric_min_stake(
    n: u64,
    theta: Frac,
    degree: Frac,
    byzantine: u64,
    pfc: Frac,
) -> Result<Option<Frac>, RiskError> {
    if n == 0 || byzantine > n || theta.num.is_zero() || theta.num > theta.den {
        return Err(RiskError::BadInput("need n > 0, b ≤ n, 0 < θ ≤ 1".into()));
    }
    let nn = U256::from(n);
    // ρ = 1 − b d / n = (n · d.den − b · d.num) / (n · d.den), floored at 0.
    let rho_den = nn.checked_mul(degree.den).ok_or(RiskError::Overflow)?;
    let used = U256::from(byzantine)
        .checked_mul(degree.num)
        .ok_or(RiskError::Overflow)?;
    let rho = Frac::new(rho_den.saturating_sub(used), rho_den)?;
    let per = Frac::new(
        degree.num,
        nn.checked_mul(degree.den).ok_or(RiskError::Overflow)?,
    )?;
    let a = if per.cmp_frac(&rho).is_le() { per } else { rho };
    // n θ = whole + part
    let ntheta = Frac::new(
        nn.checked_mul(theta.num).ok_or(RiskError::Overflow)?,
        theta.den,
    )?;
    let whole = ntheta.num.checked_div(ntheta.den).unwrap_or_default();
    let part = Frac::new(
        ntheta.num.checked_rem(ntheta.den).unwrap_or_default(),
        ntheta.den,
    )?;
    let survivors = n.saturating_sub(byzantine);
    let mut best: Option<Frac> = None;
    for k in 1..=survivors {
        let ka = mul(a, Frac::int(U256::from(k)))?;
        let c = add(
            mul(Frac::int(whole), min(rho, ka))?,
            min(rho, mul(mul(part, Frac::int(U256::from(k)))?, a)?),
        )?;
        let prize = mul(pfc, Frac::int(U256::from(k)))?;
        if c.num.is_zero() {
            if prize.num.is_zero() {
                continue;
            }
            return Ok(None);
        }
        let need = div(prize, c)?;
        if best.is_none_or(|b| need.cmp_frac(&b).is_gt()) {
            best = Some(need);
        }
    }
    Ok(Some(best.unwrap_or(Frac::ZERO)))
}

fn min(a: Frac, b: Frac) -> Frac {
    if a.cmp_frac(&b).is_le() { a } else { b }
}

fn mul(a: Frac, b: Frac) -> Result<Frac, RiskError> {
    Frac::new(
        a.num.checked_mul(b.num).ok_or(RiskError::Overflow)?,
        a.den.checked_mul(b.den).ok_or(RiskError::Overflow)?,
    )
}

fn div(a: Frac, b: Frac) -> Result<Frac, RiskError> {
    Frac::new(
        a.num.checked_mul(b.den).ok_or(RiskError::Overflow)?,
        a.den.checked_mul(b.num).ok_or(RiskError::Overflow)?,
    )
}

fn add(a: Frac, b: Frac) -> Result<Frac, RiskError> {
    let l = lcm(a.den, b.den)?;
    let x = a
        .num
        .checked_mul(l.checked_div(a.den).unwrap_or_default())
        .ok_or(RiskError::Overflow)?;
    let y = b
        .num
        .checked_mul(l.checked_div(b.den).unwrap_or_default())
        .ok_or(RiskError::Overflow)?;
    Frac::new(x.checked_add(y).ok_or(RiskError::Overflow)?, l)
}

/// A small elastic network in integer units.
#[derive(Debug, Clone)]
pub struct Elastic {
    /// `σ_i`.
    pub stake: Vec<U256>,
    /// `π_j`.
    pub pfc: Vec<U256>,
    /// `θ_j = p/q`.
    pub theta: Vec<(U256, U256)>,
    /// `w_ij` (validator-major).
    pub alloc: Vec<Vec<U256>>,
}

/// Most validators and services [`max_attack_profit`] enumerates.
pub const MAX_ELASTIC: usize = 12;

impl Elastic {
    /// The network after the `byzantine` services slashed their allocations (stretch rule).
    pub fn after_byzantine(&self, byzantine: &[usize]) -> Self {
        let mut out = self.clone();
        for (i, row) in out.alloc.iter_mut().enumerate() {
            let slashed = byzantine
                .iter()
                .filter_map(|j| self.alloc.get(i).and_then(|r| r.get(*j)))
                .fold(U256::ZERO, |a, w| a.saturating_add(*w));
            let r = self
                .stake
                .get(i)
                .copied()
                .unwrap_or_default()
                .saturating_sub(slashed);
            if let Some(s) = out.stake.get_mut(i) {
                *s = r;
            }
            for (j, w) in row.iter_mut().enumerate() {
                *w = if byzantine.contains(&j) {
                    U256::ZERO
                } else {
                    (*w).min(r)
                };
            }
        }
        for j in byzantine {
            if let Some(p) = out.pfc.get_mut(*j) {
                *p = U256::ZERO;
            }
        }
        out
    }
}

/// The most profitable attack's profit (signed: `(negative, |profit|)` scaled by `scale`), over
/// non-empty sets of surviving services with a prize. Exact for up to [`MAX_ELASTIC`] validators
/// and services.
pub fn max_attack_profit(e: &Elastic) -> Result<Option<(bool, Frac)>, RiskError> {
    let nv = e.stake.len();
    let ns = e.pfc.len();
    if nv > MAX_ELASTIC || ns > MAX_ELASTIC {
        return Err(RiskError::TooLarge {
            what: "elastic validators or services",
            count: nv.max(ns),
            max: MAX_ELASTIC,
        });
    }
    // Scale thresholds to integers: need_j = θ_j W_j, kept as a fraction over a common q.
    let mut q = U256::from(1);
    for (_, d) in &e.theta {
        q = lcm(q, *d)?;
    }
    let mut best: Option<(bool, U256)> = None; // (negative, |profit|) in units of 1/q
    for services in 1u32..(1u32 << ns) {
        let chosen: Vec<usize> = (0..ns).filter(|j| services & (1 << j) != 0).collect();
        let prize = chosen
            .iter()
            .fold(U256::ZERO, |a, j| a.saturating_add(e.pfc[*j]));
        // need_j · q
        let mut need = Vec::with_capacity(chosen.len());
        for j in &chosen {
            let w: U256 = (0..nv).fold(U256::ZERO, |a, i| a.saturating_add(e.alloc[i][*j]));
            let (p, d) = e.theta[*j];
            let scaled = w
                .checked_mul(p)
                .and_then(|x| x.checked_mul(q.checked_div(d).unwrap_or_default()))
                .ok_or(RiskError::Overflow)?;
            need.push(scaled);
        }
        for saturated in 0u32..(1u32 << nv) {
            // Saturated validators commit everything they allocated and pay their stake.
            let mut cost = U256::ZERO;
            let mut rest = need.clone();
            for i in (0..nv).filter(|i| saturated & (1 << i) != 0) {
                cost = cost.saturating_add(e.stake[i].saturating_mul(q));
                for (k, j) in chosen.iter().enumerate() {
                    rest[k] = rest[k].saturating_sub(e.alloc[i][*j].saturating_mul(q));
                }
            }
            let total_need = rest.iter().fold(U256::ZERO, |a, x| a.saturating_add(*x));
            // The others pay what they commit, at most their stake each: a flow from services
            // (demand `rest`) through allocations (capacity `w q`) to validators (`σ q`).
            let free: Vec<usize> = (0..nv).filter(|i| saturated & (1 << i) == 0).collect();
            let src = chosen.len().saturating_add(free.len());
            let sink = src.saturating_add(1);
            let mut net = Network::new(sink.saturating_add(1));
            for (k, r) in rest.iter().enumerate() {
                net.add(src, k, *r);
                for (f, i) in free.iter().enumerate() {
                    net.add(
                        k,
                        chosen.len().saturating_add(f),
                        e.alloc[*i][chosen[k]].saturating_mul(q),
                    );
                }
            }
            for (f, i) in free.iter().enumerate() {
                net.add(
                    chosen.len().saturating_add(f),
                    sink,
                    e.stake[*i].saturating_mul(q),
                );
            }
            if net.max_flow(src, sink) < total_need {
                continue;
            }
            cost = cost.saturating_add(total_need);
            let prize_q = prize.saturating_mul(q);
            let candidate = if prize_q >= cost {
                (false, prize_q.saturating_sub(cost))
            } else {
                (true, cost.saturating_sub(prize_q))
            };
            let better = match (best, candidate) {
                (None, _) => true,
                (Some((true, b)), (true, c)) => c < b,
                (Some((true, _)), (false, _)) => true,
                (Some((false, _)), (true, _)) => false,
                (Some((false, b)), (false, c)) => c > b,
            };
            if better {
                best = Some(candidate);
            }
        }
    }
    best.map(|(neg, v)| Ok((neg, Frac::new(v, q)?))).transpose()
}

/// Robustness: the least weight of Byzantine services (weights `π_j / θ_j`, normalised) after
/// which some attack has positive profit, or every service is Byzantine.
pub fn robustness(e: &Elastic) -> Result<Frac, RiskError> {
    let ns = e.pfc.len();
    let weights: Vec<Frac> = (0..ns)
        .map(|j| Frac::new(e.pfc[j].saturating_mul(e.theta[j].1), e.theta[j].0))
        .collect::<Result<_, _>>()?;
    let total = weights.iter().try_fold(Frac::ZERO, |a, w| add(a, *w))?;
    let mut best: Option<Frac> = None;
    for byz in 0u32..(1u32 << ns) {
        let set: Vec<usize> = (0..ns).filter(|j| byz & (1 << j) != 0).collect();
        let weight = set
            .iter()
            .try_fold(Frac::ZERO, |a, j| add(a, weights[*j]))?;
        if best.is_some_and(|b| weight.cmp_frac(&b).is_ge()) {
            continue;
        }
        let broken = set.len() == ns
            || matches!(max_attack_profit(&e.after_byzantine(&set))?, Some((false, p)) if !p.num.is_zero());
        if broken {
            best = Some(weight);
        }
    }
    let w = best.unwrap_or(total);
    if total.num.is_zero() {
        return Ok(Frac::ZERO);
    }
    div(w, total)
}
