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
//! - [`max_attack_profit`] for general networks of up to 24 validators (any number of services):
//!   once the set of validators that lose their whole stake is fixed, the others pay exactly
//!   what they commit and every service's cost is its remaining deficit, so the best attack is
//!   one pass over those sets. [`robustness`] searches Byzantine sets on top of it.
// Indices run over the network's own vectors (validators `0..σ.len()`, services `0..π.len()`,
// the chosen lists built from them), so indexing cannot go out of range.
#![allow(clippy::indexing_slicing)]

use crate::error::RiskError;
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
        let ka = a.mul(&Frac::int(U256::from(k)))?;
        let fractional = part.mul(&Frac::int(U256::from(k)))?.mul(&a)?;
        let c = Frac::int(whole)
            .mul(&min(rho, ka))?
            .add(&min(rho, fractional))?;
        let prize = pfc.mul(&Frac::int(U256::from(k)))?;
        if c.num.is_zero() {
            if prize.num.is_zero() {
                continue;
            }
            return Ok(None);
        }
        let need = prize.div(&c)?;
        if best.is_none_or(|b| need.cmp_frac(&b).is_gt()) {
            best = Some(need);
        }
    }
    Ok(Some(best.unwrap_or(Frac::ZERO)))
}

fn min(a: Frac, b: Frac) -> Frac {
    if a.cmp_frac(&b).is_le() { a } else { b }
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

/// Most validators [`max_attack_profit`] enumerates (`2^n` sets of saturated validators).
pub const MAX_ELASTIC_VALIDATORS: usize = 24;

/// Most services [`robustness`] enumerates Byzantine sets of (each set runs
/// [`max_attack_profit`]); with `n` validators it also needs `services + n ≤` [`MAX_ROBUSTNESS_WORK`].
pub const MAX_ROBUSTNESS_SERVICES: usize = 16;

/// Most `services + validators` for [`robustness`] (`2^(services + validators)` steps).
pub const MAX_ROBUSTNESS_WORK: usize = 28;

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

/// The sum of `xs`, or an error when it does not fit 256 bits.
fn fits(xs: impl Iterator<Item = U256>) -> Result<U256, RiskError> {
    let mut total = U256::ZERO;
    for x in xs {
        total = total.checked_add(x).ok_or(RiskError::Overflow)?;
    }
    Ok(total)
}

/// The most profitable attack's profit (signed: `(negative, |profit|)`), over non-empty sets of
/// surviving services. Exact for up to [`MAX_ELASTIC_VALIDATORS`] validators and any number of
/// services.
///
/// An attack's cost is `Σ_i min(σ_i, Σ_j x_ij)`, the least over sets `F` of *saturated*
/// validators of `σ(F) + Σ_{i∉F} Σ_j x_ij`. So the best attack is the best over `F` of: every
/// validator in `F` commits all it allocated to the attacked services for nothing more, the
/// others pay per unit, and each attacked service `j` costs its deficit
/// `D_j = max(0, θ_j W_j − Σ_{i∈F} w_ij)` (the others' allocations always suffice, since
/// `θ_j ≤ 1`). For a given `F` the best services are those worth more than their deficit (or the
/// single best one when none is): `max_F [Σ_j max(0, π_j − D_j) − σ(F)]`. The sets `F` are
/// visited in Gray-code order, one validator in or out per step.
pub fn max_attack_profit(e: &Elastic) -> Result<Option<(bool, Frac)>, RiskError> {
    let nv = e.stake.len();
    let ns = e.pfc.len();
    if nv > MAX_ELASTIC_VALIDATORS {
        return Err(RiskError::TooLarge {
            what: "elastic validators",
            count: nv,
            max: MAX_ELASTIC_VALIDATORS,
        });
    }
    if ns == 0 {
        return Ok(None);
    }
    // Scale thresholds to integers: need_j = θ_j W_j, everything in units of 1/q.
    let mut q = U256::from(1);
    for (_, d) in &e.theta {
        q = lcm(q, *d)?;
    }
    let scaled = |x: U256| x.checked_mul(q).ok_or(RiskError::Overflow);
    let mut need = Vec::with_capacity(ns);
    for j in 0..ns {
        let w: U256 = (0..nv)
            .try_fold(U256::ZERO, |a, i| a.checked_add(e.alloc[i][j]))
            .ok_or(RiskError::Overflow)?;
        let (p, d) = e.theta[j];
        need.push(
            w.checked_mul(p)
                .and_then(|x| x.checked_mul(q.checked_div(d).unwrap_or_default()))
                .ok_or(RiskError::Overflow)?,
        );
    }
    let prize: Vec<U256> = e.pfc.iter().map(|p| scaled(*p)).collect::<Result<_, _>>()?;
    let stake: Vec<U256> = e
        .stake
        .iter()
        .map(|s| scaled(*s))
        .collect::<Result<_, _>>()?;
    let alloc: Vec<Vec<U256>> = e
        .alloc
        .iter()
        .map(|row| row.iter().map(|w| scaled(*w)).collect::<Result<_, _>>())
        .collect::<Result<_, _>>()?;
    // Every sum below is bounded by one of these totals, so checking them once keeps the
    // incremental updates exact.
    fits(stake.iter().copied())?;
    fits(prize.iter().copied())?;
    for j in 0..ns {
        fits(alloc.iter().map(|row| row[j]))?;
    }
    // Σ_{i∈F} w_ij and σ(F), updated one validator at a time.
    let mut committed = vec![U256::ZERO; ns];
    let mut sigma = U256::ZERO;
    let mut best: Option<(bool, U256)> = None;
    let steps = 1u64
        .checked_shl(u32::try_from(nv).unwrap_or(u32::MAX))
        .unwrap_or(0);
    for step in 0..steps {
        if step > 0 {
            // Gray code: the validator whose bit flips between step − 1 and step.
            let i = step.trailing_zeros() as usize;
            let entering = (step ^ (step >> 1)) & (1 << i) != 0;
            for (c, w) in committed.iter_mut().zip(&alloc[i]) {
                *c = if entering {
                    c.saturating_add(*w)
                } else {
                    c.saturating_sub(*w)
                };
            }
            sigma = if entering {
                sigma.saturating_add(stake[i])
            } else {
                sigma.saturating_sub(stake[i])
            };
        }
        // Gain of each service: π_j − D_j, signed.
        let mut gain = U256::ZERO;
        let mut any_paying = false;
        let mut least_loss: Option<U256> = None;
        for j in 0..ns {
            let deficit = need[j].saturating_sub(committed[j]);
            if prize[j] >= deficit {
                any_paying = true;
                gain = gain.saturating_add(prize[j].saturating_sub(deficit));
            } else {
                let loss = deficit.saturating_sub(prize[j]);
                least_loss = Some(least_loss.map_or(loss, |l| l.min(loss)));
            }
        }
        let candidate = if any_paying {
            if gain >= sigma {
                (false, gain.saturating_sub(sigma))
            } else {
                (true, sigma.saturating_sub(gain))
            }
        } else {
            (true, least_loss.unwrap_or_default().saturating_add(sigma))
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
    best.map(|(neg, v)| Ok((neg, Frac::new(v, q)?))).transpose()
}

/// Robustness: the least weight of Byzantine services (weights `π_j / θ_j`, normalised) after
/// which some attack has positive profit, or every service is Byzantine.
pub fn robustness(e: &Elastic) -> Result<Frac, RiskError> {
    let ns = e.pfc.len();
    if ns > MAX_ROBUSTNESS_SERVICES {
        return Err(RiskError::TooLarge {
            what: "elastic services for robustness",
            count: ns,
            max: MAX_ROBUSTNESS_SERVICES,
        });
    }
    let work = ns.saturating_add(e.stake.len());
    if work > MAX_ROBUSTNESS_WORK {
        return Err(RiskError::TooLarge {
            what: "elastic services + validators for robustness",
            count: work,
            max: MAX_ROBUSTNESS_WORK,
        });
    }
    let weights: Vec<Frac> = (0..ns)
        .map(|j| Frac::new(e.pfc[j].saturating_mul(e.theta[j].1), e.theta[j].0))
        .collect::<Result<_, _>>()?;
    let total = weights.iter().try_fold(Frac::ZERO, |a, w| a.add(w))?;
    let mut best: Option<Frac> = None;
    for byz in 0u32..(1u32 << ns) {
        let set: Vec<usize> = (0..ns).filter(|j| byz & (1 << j) != 0).collect();
        let weight = set
            .iter()
            .try_fold(Frac::ZERO, |a, j| a.add(&weights[*j]))?;
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
    w.div(&total)
}
