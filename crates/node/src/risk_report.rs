//! The risk report of the live state: the restaking graph the node's operator sets and
//! allocations form, analysed by `restake-risk`.
//!
//! Services are the operator sets whose AVS declared a risk profile (`setOperatorSetRiskProfile`),
//! at the high end of the declared profit interval. Stake is unique per set in Restake (an
//! allocation can only be slashed by its own set), so each (operator, set) allocation is its own
//! node in the graph, with the stake the set can slash now: the underlying of the allocated shares
//! over the set's strategies, valued one token unit per wei (LSTs and beacon-chain ETH at par)
//! unless the caller gives prices per token symbol (the node has no market prices). Each node
//! also lists its value by token symbol (`collateral`, beacon-chain ETH as `ETH`), so price-path
//! shocks can move each token on its own. A set whose operators hold no slashable stake has no
//! nodes, so it is corruptible for free.
//!
//! Beside the analysis, the report gives the worst-case loss after shocks of 0.1%, 1% and 5% of
//! the stake, and says per AVS how much every one of its sets' profits could
//! grow before an attack on any of them pays (the least per-set slack), per operator how many sets
//! its stake is spread over, and which allocations are leaving: stake in pending deallocations,
//! slashable until the block the deallocation takes effect.

use alloy_primitives::{Address, U256};
use restake_core::allocation::{self, AllocationRead};
use restake_core::error::Error;
use restake_core::pool::PoolRead;
use restake_core::risk_profile::RiskProfileRead;
use restake_core::state::StateRead;
use restake_core::tokens::TokensRead;
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, OperatorSet, WAD};
use restake_risk::components::ratio_of;
use restake_risk::number::Frac;
use restake_risk::{Options, RiskError};
use restake_rpc_api::types::{
    AvsRisk, CascadeRound, CascadeRun, LeavingStake, OperatorRisk, RiskGraph, RiskNode, RiskReport,
    RiskService, ShockLoss,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why a live report cannot be made.
#[derive(Debug, Error)]
pub enum ReportError {
    /// Reading the state failed.
    #[error(transparent)]
    State(#[from] Error),
    /// The analysis refused the graph or a parameter.
    #[error(transparent)]
    Risk(#[from] RiskError),
    /// A price for a symbol that is no registered token.
    #[error("price for {0:?}: no registered token has this symbol (beacon-chain ETH is \"ETH\")")]
    UnknownSymbol(String),
    /// `psi` outside `[0, 1]` or a zero price.
    #[error("{0}")]
    BadParameter(String),
    /// The graph could not be handed to the analysis as JSON.
    #[error("graph: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What a live report is asked for.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    /// Shock size for the worst-case loss, a fraction of all stake.
    pub psi: Option<Frac>,
    /// Value of one unit of each token, by symbol, in the unit profits are declared in
    /// (tokens not named count one for one).
    pub prices: BTreeMap<String, Frac>,
}

/// One allocation's stake leaving through a pending deallocation.
struct Leaving {
    node: String,
    operator: Address,
    set: String,
    symbol: String,
    leaving: U256,
    until: u32,
}

/// The live graph's parts with what the report adds to it.
struct Live {
    services: Vec<RiskService>,
    validators: Vec<RiskNode>,
    leaving: Vec<Leaving>,
}

impl Live {
    /// The graph in the offline input format.
    fn graph(&self, now: u32) -> RiskGraph {
        RiskGraph {
            id: format!("live state at block {now}"),
            services: self.services.clone(),
            validators: self.validators.clone(),
        }
    }
}

fn set_id(set: &OperatorSet) -> String {
    format!("{}#{}", set.avs, set.id)
}

fn collect<R: StateRead>(s: &R, now: u32) -> Result<Live, Error> {
    let mut services = Vec::new();
    let mut validators = Vec::new();
    let mut leaving = Vec::new();
    for (set, profile) in s.risk_profiles()? {
        let sid = set_id(&set);
        let strategies = s
            .operator_set(&set)?
            .map(|i| i.strategies)
            .unwrap_or_default();
        let mut nodes = Vec::new();
        for op in s.members(&set)? {
            let id = format!("{op}@{sid}");
            let mut stake = U256::ZERO;
            let mut collateral: BTreeMap<String, U256> = BTreeMap::new();
            for strategy in &strategies {
                let shares = allocation::minimum_slashable_stake(s, &set, &op, strategy, now, now)?;
                let after =
                    allocation::minimum_slashable_stake(s, &set, &op, strategy, now, u32::MAX)?;
                let (units, gone, symbol) = if *strategy == BEACON_CHAIN_ETH_STRATEGY {
                    (shares, shares.saturating_sub(after), "ETH".to_string())
                } else {
                    match s.pool(strategy)? {
                        Some(p) => (
                            p.shares_to_underlying(shares)?,
                            p.shares_to_underlying(shares.saturating_sub(after))?,
                            s.token(&p.token)?
                                .map(|t| t.symbol)
                                .unwrap_or_else(|| p.token.to_string()),
                        ),
                        None => (U256::ZERO, U256::ZERO, String::new()),
                    }
                };
                if units.is_zero() {
                    continue;
                }
                if !gone.is_zero() {
                    let (_, a) = s.updated_allocation(&op, &set, strategy, now)?;
                    leaving.push(Leaving {
                        node: id.clone(),
                        operator: op,
                        set: sid.clone(),
                        symbol: symbol.clone(),
                        leaving: gone,
                        until: a.effect_block,
                    });
                }
                stake = stake
                    .checked_add(units)
                    .ok_or(Error::Math(restake_primitives::math::MathError::Overflow))?;
                let held = collateral.entry(symbol).or_default();
                *held = held.saturating_add(units);
            }
            if stake.is_zero() {
                continue;
            }
            validators.push(RiskNode {
                collateral: collateral
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect(),
                id: id.clone(),
                operator: op.to_string(),
                stake: stake.to_string(),
            });
            nodes.push(id);
        }
        services.push(RiskService {
            alpha: format!("{}/{}", profile.alpha_wad, WAD),
            id: sid,
            pfc: profile.pfc_high.to_string(),
            pfc_low: profile.pfc_low.to_string(),
            validators: nodes,
        });
    }
    Ok(Live {
        services,
        validators,
        leaving,
    })
}

/// The graph of the live state in the DR24 input format (feedable to `restake risk analyze`).
pub fn live_graph<R: StateRead>(s: &R, now: u32) -> Result<RiskGraph, Error> {
    Ok(collect(s, now)?.graph(now))
}

/// What the report depends on in the state at `now`: the graph's services and nodes, and the
/// stake leaving them. A report subscription recomputes only when it changes.
pub fn live_state_key<R: StateRead>(s: &R, now: u32) -> Result<Value, Error> {
    let live = collect(s, now)?;
    let leaving: Vec<Value> = live
        .leaving
        .iter()
        .map(|l| json!([l.node, l.symbol, l.leaving.to_string(), l.until]))
        .collect();
    Ok(json!([live.services, live.validators, leaving]))
}

/// `amount · price` as a graph number.
fn valued(amount: &str, price: &Frac) -> Result<Frac, RiskError> {
    Frac::parse(amount)?.mul(price)
}

/// Revalues every node's collateral at `prices` (by symbol; others one for one).
fn apply_prices(
    validators: &mut [RiskNode],
    prices: &BTreeMap<String, Frac>,
) -> Result<(), RiskError> {
    let one = Frac::int(U256::from(1));
    for v in validators.iter_mut() {
        let mut stake = Frac::ZERO;
        let mut parts = BTreeMap::new();
        for (symbol, amount) in &v.collateral {
            let value = valued(amount, prices.get(symbol).unwrap_or(&one))?;
            stake = stake.add(&value)?;
            parts.insert(symbol.clone(), value.render());
        }
        v.stake = stake.render();
        v.collateral = parts;
    }
    Ok(())
}

/// One AVS's sets and the least of their known slacks.
#[derive(Default)]
struct AvsSlack {
    sets: Vec<String>,
    /// The least known slack, as the ratio `1 + γ` (ordered as `γ`).
    least: Option<Frac>,
    /// Sets whose slack is not known: past the analysis budget, or no coalition with profit
    /// includes them.
    without: Vec<String>,
}

/// The live report: the graph, its analysis, and the per-AVS, per-operator and leaving-stake
/// summaries.
pub fn live_report<R: StateRead>(
    s: &R,
    now: u32,
    request: &ReportRequest,
) -> Result<RiskReport, ReportError> {
    if let Some(psi) = request.psi
        && psi.num > psi.den
    {
        return Err(ReportError::BadParameter(
            "psi is a fraction of total stake, at most 1".into(),
        ));
    }
    let known: Vec<String> = s
        .tokens()
        .map_err(Error::from)?
        .into_iter()
        .map(|(_, t)| t.symbol)
        .chain(["ETH".to_string()])
        .collect();
    for (symbol, price) in &request.prices {
        if !known.contains(symbol) {
            return Err(ReportError::UnknownSymbol(symbol.clone()));
        }
        if price.num.is_zero() {
            return Err(ReportError::BadParameter(format!(
                "price for {symbol:?} must be positive"
            )));
        }
    }
    let mut live = collect(s, now)?;
    apply_prices(&mut live.validators, &request.prices)?;
    let graph = live.graph(now);
    let parsed = restake_risk::Graph::from_json(&serde_json::to_value(&graph)?)?;
    let report = restake_risk::analyze(
        &parsed,
        &Options {
            psi: request.psi,
            ..Options::default()
        },
    )?;

    // Per AVS: its sets, and the least known slack of any of them (DR24's per-coalition slack
    // for the AVS's sets: the least over its services of the slack of attacks that include
    // them); sets whose slack is unknown are listed, so a known negative slack is never hidden.
    let mut avs: BTreeMap<String, AvsSlack> = BTreeMap::new();
    for svc in &report.services {
        let Some((owner, _)) = svc.id.split_once('#') else {
            continue;
        };
        let entry = avs.entry(owner.to_string()).or_default();
        entry.sets.push(svc.id.clone());
        match svc.slack.as_deref().and_then(|g| ratio_of(g).ok()) {
            Some(b) => {
                if entry.least.is_none_or(|a| b.cmp_frac(&a).is_lt()) {
                    entry.least = Some(b);
                }
            }
            None => entry.without.push(svc.id.clone()),
        }
    }
    let avs: Vec<AvsRisk> = avs
        .into_iter()
        .map(|(owner, a)| AvsRisk {
            avs: owner,
            operator_sets: a.sets,
            sets_without_slack: a.without,
            slack: a.least.map(|r| r.minus_one()),
        })
        .collect();

    // Per operator: the sets its stake is spread over and the value allocated to them.
    let mut operators: BTreeMap<String, (u64, Frac)> = BTreeMap::new();
    for v in &live.validators {
        let stake = Frac::parse(&v.stake)?;
        let entry = operators
            .entry(v.operator.clone())
            .or_insert((0, Frac::ZERO));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = entry.1.add(&stake)?;
    }
    let operators: Vec<OperatorRisk> = operators
        .into_iter()
        .map(|(operator, (operator_sets, stake))| OperatorRisk {
            allocated: stake.render(),
            operator,
            operator_sets,
        })
        .collect();

    // The worst-case loss at the shock sizes a dashboard tracks (0.1%, 1%, 5%).
    let ratio = report.gamma_star.as_deref().map(ratio_of).transpose()?;
    let mut losses = Vec::new();
    for psi in ["1/1000", "1/100", "5/100"] {
        let l = restake_risk::analysis::worst_case_loss(
            &parsed,
            Frac::parse(psi)?,
            ratio,
            &Options::default(),
        )?;
        losses.push(ShockLoss {
            exact: l.exact,
            psi: psi.to_string(),
            worst_case_loss: l.worst_case_loss,
        });
    }

    // What a cascade does after the largest node is lost (the first largest, by index).
    let largest = parsed
        .stake
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_zero())
        .fold(None::<(usize, U256)>, |best, (i, s)| match best {
            Some((_, b)) if b >= *s => best,
            _ => Some((i, *s)),
        });
    let cascade = match largest {
        None => None,
        Some((i, _)) => {
            let c = restake_risk::cascade::simulate(&parsed, &[i], &Options::default())?;
            Some(CascadeRun {
                fallen: c.fallen,
                rounds: c
                    .rounds
                    .into_iter()
                    .map(|r| CascadeRound {
                        services: r.services,
                        validators: r.validators,
                    })
                    .collect(),
                shock: c.shock,
                total_loss: c.total_loss,
            })
        }
    };

    let leaving: Vec<LeavingStake> = live
        .leaving
        .into_iter()
        .map(|l| LeavingStake {
            leaving: l.leaving,
            node: l.node,
            operator: l.operator.to_string(),
            operator_set: l.set,
            slashable_until: l.until,
            token: l.symbol,
        })
        .collect();

    Ok(RiskReport {
        avs,
        block: now,
        cascade,
        graph,
        leaving,
        losses,
        operators,
        prices: request
            .prices
            .iter()
            .map(|(k, v)| (k.clone(), v.render()))
            .collect(),
        report,
        stake_model: "unique stake: each (operator, operator set) allocation is its own node"
            .to_string(),
        stake_valuation: if request.prices.is_empty() {
            "underlying token units of each allocation, one unit per wei (LSTs and beacon-chain ETH at par)".to_string()
        } else {
            "underlying token units of each allocation times the given price of its token (others at par)".to_string()
        },
    })
}
