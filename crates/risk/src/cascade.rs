//! Cascades: what actually happens round by round after a shock, and the distribution of losses
//! over many random shocks (`risk.md` §6.4).
//!
//! Round-based adversary: on the graph left by the shock and the previous rounds, take the most
//! profitable valid attack (exact while the graph is within the exhaustive budget, otherwise the
//! greedy attack), slash its coalition (full restaking: the validators are gone), and repeat until
//! no valid attack is left. By DR24 Corollary 1 the union of the rounds is one valid attack on the
//! shocked graph, so a cascade never loses more than the exact worst case `R_ψ`.
//!
//! Monte Carlo: shocks drawn from a fault model with a seeded generator (the same seed gives the
//! same report on every machine), each followed by its cascade; losses are exact fractions of total
//! stake, reported as the mean, the value at risk and the conditional value at risk at a level.

use crate::analysis::{Options, analyze};
use crate::error::RiskError;
use crate::graph::Graph;
use crate::number::{Frac, lcm};
use alloy_primitives::U256;
use serde::Serialize;

/// One round of a cascade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Round {
    /// Services corrupted this round.
    pub services: Vec<String>,
    /// Validators slashed this round.
    pub validators: Vec<String>,
}

/// A cascade after a shock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cascade {
    /// Validators the shock destroyed.
    pub shock: Vec<String>,
    /// The rounds, in order.
    pub rounds: Vec<Round>,
    /// `(σ(shock) + σ(all slashed)) / σ(V)`.
    pub total_loss: String,
    /// Every service that fell.
    pub fallen: Vec<String>,
}

/// The graph without the validators in `gone` and the services in `fallen` (by index): a
/// corrupted service pays its profit once.
fn without(g: &Graph, gone: &[usize], fallen: &[usize]) -> Result<Graph, RiskError> {
    let keep: Vec<usize> = (0..g.stake.len()).filter(|v| !gone.contains(v)).collect();
    let validators: Vec<serde_json::Value> = keep
        .iter()
        .filter_map(|v| {
            Some(serde_json::json!({
                "id": g.validator_ids.get(*v)?,
                "stake": Frac::new(*g.stake.get(*v)?, g.scale).ok()?.render(),
            }))
        })
        .collect();
    let services: Vec<serde_json::Value> = (0..g.members.len())
        .filter(|s| !fallen.contains(s))
        .filter_map(|s| {
            let (p, q) = g.alpha.get(s)?;
            Some(serde_json::json!({
                "id": g.service_ids.get(s)?,
                "pfc": Frac::new(*g.pfc.get(s)?, g.scale).ok()?.render(),
                "alpha": Frac::new(*p, *q).ok()?.render(),
                "validators": g.members.get(s)?.iter()
                    .filter(|v| !gone.contains(v))
                    .filter_map(|v| g.validator_ids.get(*v))
                    .collect::<Vec<_>>(),
            }))
        })
        .collect();
    Graph::from_json(&serde_json::json!({ "services": services, "validators": validators }))
}

fn index_of(ids: &[String], id: &str) -> Option<usize> {
    ids.iter().position(|x| x == id)
}

/// Runs the round-based adversary after `shock` (validator indices of `g`).
pub fn simulate(g: &Graph, shock: &[usize], opts: &Options) -> Result<Cascade, RiskError> {
    let total = g.total_stake();
    let mut gone: Vec<usize> = shock.to_vec();
    let mut rounds = Vec::new();
    let mut fallen: Vec<usize> = Vec::new();
    // Each round removes at least one validator or corrupts a free service once.
    for _ in 0..=g.stake.len().saturating_add(g.members.len()) {
        if gone.len() >= g.stake.len() {
            break;
        }
        let h = without(g, &gone, &fallen)?;
        let opts = Options {
            psi: None,
            ..opts.clone()
        };
        let r = analyze(&h, &opts)?;
        if r.secure != Some(false) {
            break;
        }
        let services: Vec<usize> = r
            .witness
            .services
            .iter()
            .filter_map(|s| index_of(&g.service_ids, s))
            .collect();
        let validators: Vec<usize> = r
            .witness
            .validators
            .iter()
            .filter_map(|v| index_of(&g.validator_ids, v))
            .collect();
        if services.is_empty() {
            break;
        }
        rounds.push(Round {
            services: services
                .iter()
                .filter_map(|s| g.service_ids.get(*s).cloned())
                .collect(),
            validators: validators
                .iter()
                .filter_map(|v| g.validator_ids.get(*v).cloned())
                .collect(),
        });
        fallen.extend(&services);
        gone.extend(&validators);
        if validators.is_empty() {
            // Free services fell without slashing anyone; they cannot fall twice.
            break;
        }
    }
    let lost = gone
        .iter()
        .filter_map(|v| g.stake.get(*v))
        .fold(U256::ZERO, |a, x| a.saturating_add(*x));
    Ok(Cascade {
        shock: shock
            .iter()
            .filter_map(|v| g.validator_ids.get(*v).cloned())
            .collect(),
        rounds,
        total_loss: Frac::new(lost, total)?.render(),
        fallen: fallen
            .iter()
            .filter_map(|s| g.service_ids.get(*s).cloned())
            .collect(),
    })
}

/// How the validators of one Monte-Carlo trial fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Each validator fails on its own with the failure probability.
    Independent,
    /// Each client software fails with the failure probability, taking every validator that
    /// runs it (a validator without a `client` is its own client).
    ClientBug,
    /// One key holder per trial, uniformly: every node of that `operator` fails (a validator
    /// without one is its own).
    KeyCompromise,
}

/// A fault model for Monte-Carlo shocks.
#[derive(Debug, Clone)]
pub struct FaultModel {
    /// What fails together.
    pub kind: FaultKind,
    /// The failure probability (per validator or per client).
    pub validator_failure: Frac,
    /// Trials.
    pub trials: u32,
    /// Seed of the generator.
    pub seed: u64,
    /// Level of the value at risk (e.g. 95/100).
    pub level: Frac,
}

/// The distribution of cascade losses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LossDistribution {
    /// Trials run.
    pub trials: u32,
    /// Mean loss (fraction of total stake).
    pub mean_loss: String,
    /// Value at risk: the loss not exceeded in `level` of the trials.
    pub value_at_risk: String,
    /// Conditional value at risk: the mean loss of the trials at or beyond the VaR.
    pub conditional_value_at_risk: String,
    /// Trials in which at least one service fell.
    pub trials_with_a_fall: u32,
    /// Longest cascade (rounds).
    pub longest_cascade: usize,
    /// Mean cascade length, as a fraction.
    pub mean_cascade_length: String,
}

/// A small deterministic generator (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn below(&mut self, m: U256) -> U256 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let draw = U256::from(self.0 >> 11);
        draw.checked_rem(m).unwrap_or_default()
    }
}

/// `a + b`, exactly.
pub fn add_frac(a: Frac, b: Frac) -> Result<Frac, RiskError> {
    sum_fracs(&[a, b])
}

fn sum_fracs(fs: &[Frac]) -> Result<Frac, RiskError> {
    let mut acc = Frac::ZERO;
    for f in fs {
        let l = lcm(acc.den, f.den)?;
        let a = acc
            .num
            .checked_mul(l.checked_div(acc.den).unwrap_or_default())
            .ok_or(RiskError::Overflow)?;
        let b = f
            .num
            .checked_mul(l.checked_div(f.den).unwrap_or_default())
            .ok_or(RiskError::Overflow)?;
        acc = Frac::new(a.checked_add(b).ok_or(RiskError::Overflow)?, l)?;
    }
    Ok(acc)
}

fn mean(fs: &[Frac]) -> Result<Frac, RiskError> {
    let s = sum_fracs(fs)?;
    if fs.is_empty() {
        return Ok(Frac::ZERO);
    }
    Frac::new(
        s.num,
        s.den
            .checked_mul(U256::from(fs.len()))
            .ok_or(RiskError::Overflow)?,
    )
}

/// Groups of validators that fail together, by a key (`client` or `operator`), each validator
/// without one on its own; in the order the validators come.
fn groups(g: &Graph, key: &[Option<String>]) -> Vec<Vec<usize>> {
    let mut names: Vec<String> = Vec::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for v in 0..g.stake.len() {
        match key.get(v).cloned().flatten() {
            Some(name) => match names.iter().position(|n| *n == name) {
                Some(i) => {
                    if let Some(gr) = out.get_mut(i) {
                        gr.push(v);
                    }
                }
                None => {
                    names.push(name);
                    out.push(vec![v]);
                }
            },
            None => {
                names.push(format!("\u{0}{v}"));
                out.push(vec![v]);
            }
        }
    }
    out
}

fn draw(g: &Graph, model: &FaultModel, rng: &mut Rng) -> Vec<usize> {
    let p = model.validator_failure;
    let mut shock: Vec<usize> = match model.kind {
        FaultKind::Independent => (0..g.stake.len())
            .filter(|_| rng.below(p.den) < p.num)
            .collect(),
        FaultKind::ClientBug => groups(g, &g.client)
            .into_iter()
            .filter(|_| rng.below(p.den) < p.num)
            .flatten()
            .collect(),
        FaultKind::KeyCompromise => {
            let all = groups(g, &g.operator);
            let i = usize::try_from(rng.below(U256::from(all.len().max(1)))).unwrap_or(0);
            all.get(i).cloned().unwrap_or_default()
        }
    };
    shock.sort_unstable();
    shock
}

/// Runs `model.trials` shocks and their cascades.
pub fn monte_carlo(
    g: &Graph,
    model: &FaultModel,
    opts: &Options,
) -> Result<LossDistribution, RiskError> {
    if model.trials == 0 || model.validator_failure.num > model.validator_failure.den {
        return Err(RiskError::BadInput(
            "trials > 0 and a failure probability in [0, 1]".into(),
        ));
    }
    let mut rng = Rng(model.seed);
    let mut losses = Vec::with_capacity(model.trials as usize);
    let mut falls = 0u32;
    let mut longest = 0usize;
    let mut lengths = Vec::with_capacity(model.trials as usize);
    for _ in 0..model.trials {
        let shock = draw(g, model, &mut rng);
        let c = simulate(g, &shock, opts)?;
        if !c.fallen.is_empty() {
            falls = falls.saturating_add(1);
        }
        longest = longest.max(c.rounds.len());
        lengths.push(Frac::int(U256::from(c.rounds.len())));
        losses.push(Frac::parse(&c.total_loss)?);
    }
    losses.sort_by(|a, b| a.cmp_frac(b));
    // The smallest loss L with at least `level` of the trials at or below it.
    let n = U256::from(losses.len());
    let needed = model
        .level
        .num
        .checked_mul(n)
        .ok_or(RiskError::Overflow)?
        .div_ceil(model.level.den);
    let k = usize::try_from(needed)
        .unwrap_or(losses.len())
        .clamp(1, losses.len());
    let var = losses
        .get(k.saturating_sub(1))
        .copied()
        .unwrap_or(Frac::ZERO);
    let tail: Vec<Frac> = losses.iter().skip(k.saturating_sub(1)).copied().collect();
    Ok(LossDistribution {
        trials: model.trials,
        mean_loss: mean(&losses)?.render(),
        value_at_risk: var.render(),
        conditional_value_at_risk: mean(&tail)?.render(),
        trials_with_a_fall: falls,
        longest_cascade: longest,
        mean_cascade_length: mean(&lengths)?.render(),
    })
}
