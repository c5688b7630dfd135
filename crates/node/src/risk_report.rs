//! The risk report of the live state: the restaking graph the node's operator sets and
//! allocations form, analysed by `restake-risk`.
//!
//! Services are the operator sets whose AVS declared a risk profile (`setOperatorSetRiskProfile`),
//! at the high end of the declared profit interval. Stake is unique per set in Restake (an
//! allocation can only be slashed by its own set), so each (operator, set) allocation is its own
//! node in the graph, with the stake the set can slash now: the underlying of the allocated shares
//! over the set's strategies, valued one token unit per wei (LSTs and beacon-chain ETH at par; the
//! report says so). Each node also lists its stake by token symbol (`collateral`, beacon-chain
//! ETH as `ETH`), so price-path shocks can move each token on its own. A set whose operators hold
//! no slashable stake has no nodes, so it is corruptible for free.

use alloy_primitives::U256;
use restake_core::allocation::{self, AllocationRead};
use restake_core::error::Error;
use restake_core::pool::PoolRead;
use restake_core::risk_profile::RiskProfileRead;
use restake_core::state::StateRead;
use restake_core::tokens::TokensRead;
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, WAD};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The graph of the live state in the DR24 input format (feedable to `restake risk analyze`).
pub fn live_graph<R: StateRead>(s: &R, now: u32) -> Result<Value, Error> {
    let mut services = Vec::new();
    let mut validators = Vec::new();
    for (set, profile) in s.risk_profiles()? {
        let sid = format!("{}#{}", set.avs, set.id);
        let strategies = s
            .operator_set(&set)?
            .map(|i| i.strategies)
            .unwrap_or_default();
        let mut nodes = Vec::new();
        for op in s.members(&set)? {
            let mut stake = U256::ZERO;
            let mut collateral: BTreeMap<String, U256> = BTreeMap::new();
            for strategy in &strategies {
                let shares = allocation::minimum_slashable_stake(s, &set, &op, strategy, now, now)?;
                let (units, symbol) = if *strategy == BEACON_CHAIN_ETH_STRATEGY {
                    (shares, "ETH".to_string())
                } else {
                    match s.pool(strategy)? {
                        Some(p) => (
                            p.shares_to_underlying(shares)?,
                            s.token(&p.token)?
                                .map(|t| t.symbol)
                                .unwrap_or_else(|| p.token.to_string()),
                        ),
                        None => (U256::ZERO, String::new()),
                    }
                };
                if units.is_zero() {
                    continue;
                }
                stake = stake.saturating_add(units);
                let held = collateral.entry(symbol).or_default();
                *held = held.saturating_add(units);
            }
            if stake.is_zero() {
                continue;
            }
            let id = format!("{op}@{sid}");
            let collateral: serde_json::Map<String, Value> = collateral
                .into_iter()
                .map(|(k, v)| (k, Value::String(v.to_string())))
                .collect();
            validators.push(json!({
                "id": id,
                "stake": stake.to_string(),
                "operator": op.to_string(),
                "collateral": collateral,
            }));
            nodes.push(id);
        }
        services.push(json!({
            "id": sid,
            "pfc": profile.pfc_high.to_string(),
            "pfcLow": profile.pfc_low.to_string(),
            "alpha": format!("{}/{}", profile.alpha_wad, WAD),
            "validators": nodes,
        }));
    }
    Ok(json!({
        "id": format!("live state at block {now}"),
        "services": services,
        "validators": validators,
    }))
}
