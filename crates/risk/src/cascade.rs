//! Cascades: what actually happens round by round after a shock, and the distribution of losses
//! over many random shocks (`risk.md` §6.4).
//!
//! Round-based adversary: on the graph left by the shock and the previous rounds, take the most
//! profitable valid attack the analysis finds (exact within its budgets — minimum cut, enumeration,
//! a finished branch and bound — otherwise the best of the heuristic attacks), slash its coalition (full restaking: the validators are gone), and repeat until
//! no valid attack is left. By DR24 Corollary 1 the union of the rounds is one valid attack on the
//! shocked graph, so a cascade never loses more than the exact worst case `R_ψ`.
//!
//! Monte Carlo: shocks drawn from a fault model with a seeded generator (the same seed gives the
//! same report on every machine), each followed by its cascade; losses are exact fractions of total
//! stake, reported as the mean, the value at risk and the conditional value at risk at a level.
//! The fault models: validators failing independently, a client's bug taking every validator that
//! runs it, one operator's key taking all its nodes, and random walks of collateral prices (stake
//! is revalued at each step and whatever the lower prices make profitable runs; nothing is
//! destroyed outright).

use crate::analysis::{Options, analyze};
use crate::error::RiskError;
use crate::graph::Graph;
use crate::number::Frac;
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

/// `g`'s services in the input format, without those in `fallen` and without the validators in
/// `gone` (by index).
fn services_json(g: &Graph, gone: &[usize], fallen: &[usize]) -> Vec<serde_json::Value> {
    (0..g.members.len())
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
        .collect()
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
    let services = services_json(g, gone, fallen);
    Graph::from_json(&serde_json::json!({ "services": services, "validators": validators }))
}

fn index_of(ids: &[String], id: &str) -> Option<usize> {
    ids.iter().position(|x| x == id)
}

/// Runs the round-based adversary on `h` (the graph as valued now, indexed as `g`), continuing
/// from the validators already `gone` and the services already `fallen`.
fn run_rounds(
    g: &Graph,
    h: &Graph,
    gone: &mut Vec<usize>,
    fallen: &mut Vec<usize>,
    rounds: &mut Vec<Round>,
    opts: &Options,
) -> Result<(), RiskError> {
    let opts = Options {
        psi: None,
        ..opts.clone()
    };
    // Each round removes at least one validator or corrupts a free service once.
    for _ in 0..=g.stake.len().saturating_add(g.members.len()) {
        if gone.len() >= g.stake.len() {
            break;
        }
        let r = analyze(&without(h, gone, fallen)?, &opts)?;
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
    Ok(())
}

/// The cascade's record: losses valued as `g` values stake (before any price moved).
fn record(
    g: &Graph,
    shock: &[usize],
    gone: &[usize],
    fallen: &[usize],
    rounds: Vec<Round>,
) -> Result<Cascade, RiskError> {
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
        total_loss: crate::analysis::share_of(lost, g.total_stake())?.render(),
        fallen: fallen
            .iter()
            .filter_map(|s| g.service_ids.get(*s).cloned())
            .collect(),
    })
}

/// Runs the round-based adversary after `shock` (validator indices of `g`).
pub fn simulate(g: &Graph, shock: &[usize], opts: &Options) -> Result<Cascade, RiskError> {
    let mut gone: Vec<usize> = shock.to_vec();
    let mut fallen = Vec::new();
    let mut rounds = Vec::new();
    run_rounds(g, g, &mut gone, &mut fallen, &mut rounds, opts)?;
    record(g, shock, &gone, &fallen, rounds)
}

/// `g` with every validator's stake revalued at `prices` (one per collateral, in
/// `collateral_names` order, relative to the prices `g` was written at). Indices are kept.
pub fn reprice(g: &Graph, prices: &[Frac]) -> Result<Graph, RiskError> {
    if prices.len() != g.collateral_names.len() {
        return Err(RiskError::BadInput(format!(
            "{} prices for {} collaterals",
            prices.len(),
            g.collateral_names.len()
        )));
    }
    if prices.iter().any(|p| p.num.is_zero()) {
        return Err(RiskError::BadInput("prices must be positive".into()));
    }
    let mut validators = Vec::with_capacity(g.stake.len());
    for (v, parts) in g.holdings.iter().enumerate() {
        let mut value = Frac::ZERO;
        for (c, amount) in parts {
            let price = prices.get(*c).copied().unwrap_or(Frac::ZERO);
            value = value.add(&Frac::new(*amount, g.scale)?.mul(&price)?)?;
        }
        validators.push(serde_json::json!({
            "id": g.validator_ids.get(v),
            "stake": value.render(),
        }));
    }
    let services = services_json(g, &[], &[]);
    Graph::from_json(&serde_json::json!({ "services": services, "validators": validators }))
}

/// Runs the round-based adversary along a price path: after each step (one price per
/// collateral, relative to the start), every attack the new prices make profitable runs, with
/// the validators slashed at earlier steps gone. The loss is valued at the starting prices, so
/// it is the share of the stake that was slashed, not what the market took.
pub fn simulate_prices(
    g: &Graph,
    path: &[Vec<Frac>],
    opts: &Options,
) -> Result<Cascade, RiskError> {
    let mut gone = Vec::new();
    let mut fallen = Vec::new();
    let mut rounds = Vec::new();
    for prices in path {
        let h = reprice(g, prices)?;
        run_rounds(g, &h, &mut gone, &mut fallen, &mut rounds, opts)?;
    }
    record(g, &[], &gone, &fallen, rounds)
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
    /// Collateral prices follow a random walk: each step every price is multiplied by
    /// `1 − volatility` or `1 + volatility` with equal odds; with probability `correlation` a
    /// step is one market move shared by every collateral, otherwise each draws its own. Nothing
    /// is destroyed outright; the attacks the lower prices make profitable run after every step.
    PricePath {
        /// The size of one step, in `(0, 1)`.
        volatility: Frac,
        /// Steps per path, `1..=MAX_PRICE_STEPS`.
        steps: u32,
        /// Probability that a step moves every collateral together, in `[0, 1]`.
        correlation: Frac,
    },
}

/// Longest price path (exact prices have denominators up to `q^steps`).
pub const MAX_PRICE_STEPS: u32 = 64;

/// Random-walk prices are kept on a grid of `10^-18`, rounded down after every step, so a long
/// path keeps small exact numbers (rounding down never understates risk).
pub const PRICE_GRID: u64 = 1_000_000_000_000_000_000;

/// `⌊p · f · 10^18⌋ / 10^18`, computed over 512 bits.
fn on_grid(p: &Frac, f: &Frac) -> Result<Frac, RiskError> {
    use alloy_primitives::ruint::aliases::U512;
    let grid = U512::from(PRICE_GRID);
    let num = crate::number::wide(p.num, f.num)
        .checked_mul(grid)
        .ok_or(RiskError::Overflow)?;
    let den = crate::number::wide(p.den, f.den);
    let q = num.checked_div(den).ok_or(RiskError::Overflow)?;
    let limbs = q.as_limbs();
    if limbs.iter().skip(4).any(|l| *l != 0) {
        return Err(RiskError::Overflow);
    }
    let q = U256::from_limbs_slice(limbs.get(..4).unwrap_or_default());
    Frac::new(q, U256::from(PRICE_GRID))
}

/// One random price path for `g`'s collaterals (see [`FaultKind::PricePath`]).
fn draw_path(
    g: &Graph,
    volatility: Frac,
    steps: u32,
    correlation: Frac,
    rng: &mut Rng,
) -> Result<Vec<Vec<Frac>>, RiskError> {
    let down = Frac::new(
        volatility.den.saturating_sub(volatility.num),
        volatility.den,
    )?;
    let up = Frac::new(
        volatility.den.saturating_add(volatility.num),
        volatility.den,
    )?;
    let mut prices = vec![Frac::int(U256::from(1)); g.collateral_names.len()];
    let mut path = Vec::with_capacity(steps as usize);
    for _ in 0..steps {
        let together = rng.below(correlation.den) < correlation.num;
        let market_up = rng.below(U256::from(2)) == U256::from(1);
        for p in prices.iter_mut() {
            let rises = if together {
                market_up
            } else {
                rng.below(U256::from(2)) == U256::from(1)
            };
            *p = on_grid(p, if rises { &up } else { &down })?;
        }
        path.push(prices.clone());
    }
    Ok(path)
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

fn mean(fs: &[Frac]) -> Result<Frac, RiskError> {
    let s = fs.iter().try_fold(Frac::ZERO, |a, f| a.add(f))?;
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
        FaultKind::PricePath { .. } => Vec::new(),
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
    if let FaultKind::PricePath {
        volatility,
        steps,
        correlation,
    } = model.kind
    {
        if volatility.num.is_zero() || volatility.num >= volatility.den {
            return Err(RiskError::BadInput("volatility must be in (0, 1)".into()));
        }
        if steps == 0 || steps > MAX_PRICE_STEPS {
            return Err(RiskError::BadInput(format!(
                "price steps must be 1 to {MAX_PRICE_STEPS}"
            )));
        }
        if correlation.num > correlation.den {
            return Err(RiskError::BadInput("correlation must be in [0, 1]".into()));
        }
    }
    let mut rng = Rng(model.seed);
    let mut losses = Vec::with_capacity(model.trials as usize);
    let mut falls = 0u32;
    let mut longest = 0usize;
    let mut lengths = Vec::with_capacity(model.trials as usize);
    for _ in 0..model.trials {
        let c = match model.kind {
            FaultKind::PricePath {
                volatility,
                steps,
                correlation,
            } => {
                let path = draw_path(g, volatility, steps, correlation, &mut rng)?;
                simulate_prices(g, &path, opts)?
            }
            _ => simulate(g, &draw(g, model, &mut rng), opts)?,
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn two_collaterals() -> Graph {
        Graph::from_json_str(
            r#"{"services":[{"id":"x","pfc":"1","validators":["a","b"]}],
                "validators":[{"id":"a","stake":"1","collateral":"steth"},{"id":"b","stake":"1","collateral":"reth"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn fully_correlated_paths_move_every_collateral_together() {
        let g = two_collaterals();
        let v = Frac::new(U256::from(1), U256::from(10)).unwrap();
        let path = draw_path(&g, v, 30, Frac::int(U256::from(1)), &mut Rng(9)).unwrap();
        assert_eq!(path.len(), 30);
        assert!(path.iter().all(|p| p[0] == p[1]));
        // Every step is a move of ±1/10 from the previous price, rounded down to the grid.
        let grid = U256::from(PRICE_GRID);
        let floor = |x: Frac| x.num * grid / x.den;
        let mut prev = Frac::int(U256::from(1));
        for p in &path {
            let moved = |f: u64| {
                prev.mul(&Frac::new(U256::from(f), U256::from(10)).unwrap())
                    .unwrap()
            };
            assert_eq!(grid.checked_rem(p[0].den), Some(U256::ZERO), "on the grid");
            let at = floor(p[0]);
            assert!(
                at == floor(moved(9)) || at == floor(moved(11)),
                "{prev:?} -> {:?}",
                p[0]
            );
            prev = p[0];
        }
    }

    #[test]
    fn a_long_path_of_small_steps_stays_exact_on_the_grid() {
        // 64 steps of ±1/20 would need denominators of 20^64 (past 256 bits) without the grid.
        let g = Graph::from_json_str(
            r#"{"services":[{"id":"x","pfc":"30000000000000000000","validators":["a","b"]}],
                "validators":[{"id":"a","stake":"32000000000000000000","collateral":"steth"},
                              {"id":"b","stake":"32000000000000000000","collateral":"reth"}]}"#,
        )
        .unwrap();
        let v = Frac::new(U256::from(1), U256::from(20)).unwrap();
        let model = FaultModel {
            kind: FaultKind::PricePath {
                volatility: v,
                steps: MAX_PRICE_STEPS,
                correlation: Frac::ZERO,
            },
            validator_failure: Frac::ZERO,
            trials: 3,
            seed: 4,
            level: Frac::new(U256::from(1), U256::from(2)).unwrap(),
        };
        let d = monte_carlo(&g, &model, &crate::Options::default()).unwrap();
        assert_eq!(d.trials, 3);
    }

    #[test]
    fn uncorrelated_paths_let_collaterals_drift_apart() {
        let g = two_collaterals();
        let v = Frac::new(U256::from(1), U256::from(10)).unwrap();
        let path = draw_path(&g, v, 30, Frac::ZERO, &mut Rng(9)).unwrap();
        assert!(path.iter().any(|p| p[0] != p[1]));
    }
}
