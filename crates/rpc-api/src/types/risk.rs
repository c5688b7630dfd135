//! The risk report of the live state.

use alloy_primitives::U256;
use restake_primitives::decimal::u256 as dec;
use restake_risk::Report;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `restake_getRiskReport` result (and an item of `restake_subscribeRiskReport`): the live
/// restaking graph, its exact analysis, and the per-AVS, per-operator and leaving-stake summaries.
/// Numbers the analysis produces are exact rationals, written `p/q` or as integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskReport {
    /// Per AVS that declared a profile.
    pub avs: Vec<AvsRisk>,
    /// The height the report describes.
    pub block: u32,
    /// The round-based cascade after the largest node (one allocation) is lost: what falls
    /// round by round (`null` on a graph without stake).
    pub cascade: Option<CascadeRun>,
    /// The graph, in the offline input format of `restake risk analyze`.
    pub graph: RiskGraph,
    /// Stake in pending deallocations.
    pub leaving: Vec<LeavingStake>,
    /// The worst-case loss after shocks of 1/1000, 1/100 and 5/100 of all stake.
    pub losses: Vec<ShockLoss>,
    /// Per operator with declared stake.
    pub operators: Vec<OperatorRisk>,
    /// The prices the stake was valued at (token symbol → value of one unit).
    pub prices: BTreeMap<String, String>,
    /// The exact analysis (the fields of `restake risk analyze`).
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub report: Report,
    /// How stake maps to nodes.
    pub stake_model: String,
    /// How stake is valued.
    pub stake_valuation: String,
}

/// One AVS: its declared sets and the least known slack of any of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvsRisk {
    /// The AVS (checksummed, as the graph names it).
    pub avs: String,
    /// Its declared sets, as `avs#id`.
    pub operator_sets: Vec<String>,
    /// Sets whose slack is not known (`slack` is exact only when this is empty).
    pub sets_without_slack: Vec<String>,
    /// The least known per-set slack (signed `p/q`), `None` when none is known.
    pub slack: Option<String>,
}

/// The live graph in the offline input format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskGraph {
    /// `live state at block N`.
    pub id: String,
    /// The declared operator sets.
    pub services: Vec<RiskService>,
    /// One node per (operator, set) allocation with slashable stake.
    pub validators: Vec<RiskNode>,
}

/// A declared operator set as a service of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskService {
    /// The threshold, `alphaWad/1e18`.
    pub alpha: String,
    /// `avs#id`.
    pub id: String,
    /// The high end of the declared profit from corruption.
    pub pfc: String,
    /// The low end.
    pub pfc_low: String,
    /// Its nodes' ids.
    pub validators: Vec<String>,
}

/// One (operator, set) allocation as a node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskNode {
    /// Its value by token symbol (beacon-chain ETH as `ETH`).
    pub collateral: BTreeMap<String, String>,
    /// `operator@avs#id`.
    pub id: String,
    /// The operator (checksummed).
    pub operator: String,
    /// The stake the set can slash now, valued.
    pub stake: String,
}

/// One allocation's stake leaving through a pending deallocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeavingStake {
    /// Underlying units leaving.
    #[serde(with = "dec")]
    pub leaving: U256,
    /// The node.
    pub node: String,
    /// The operator (checksummed).
    pub operator: String,
    /// The set, `avs#id`.
    pub operator_set: String,
    /// The block the deallocation takes effect (slashable until then).
    pub slashable_until: u32,
    /// The token's symbol.
    pub token: String,
}

/// A cascade: the shock, then each round's corrupted services and slashed nodes (`risk.md`
/// §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CascadeRun {
    /// Every service that fell.
    pub fallen: Vec<String>,
    /// The rounds, in order.
    pub rounds: Vec<CascadeRound>,
    /// The nodes the shock destroyed.
    pub shock: Vec<String>,
    /// Stake lost (shock and every round) as a fraction of all stake, `p/q`.
    pub total_loss: String,
}

/// One round of a cascade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CascadeRound {
    /// Services corrupted this round.
    pub services: Vec<String>,
    /// Nodes slashed this round.
    pub validators: Vec<String>,
}

/// The worst-case loss after a shock of `psi` of all stake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShockLoss {
    /// Whether `worstCaseLoss` is exact (otherwise DR24's bound).
    pub exact: bool,
    /// The shock, `p/q`.
    pub psi: String,
    /// The loss as a fraction of all stake, `None` when neither exact nor bounded.
    pub worst_case_loss: Option<String>,
}

/// One operator's declared stake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorRisk {
    /// The value allocated to declared sets.
    pub allocated: String,
    /// The operator (checksummed).
    pub operator: String,
    /// How many declared sets its stake is spread over.
    pub operator_sets: u64,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::types::testing::assert_wire;

    /// A report as `restake_getRiskReport` gives it for one set secured by one node.
    pub(crate) fn sample() -> RiskReport {
        let node = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC@0x90F79bf6EB2c4f870365E785982E1f101E93b906#1";
        let set = "0x90F79bf6EB2c4f870365E785982E1f101E93b906#1";
        let graph = RiskGraph {
            id: "live state at block 51".into(),
            services: vec![RiskService {
                alpha: "1/2".into(),
                id: set.into(),
                pfc: "30".into(),
                pfc_low: "10".into(),
                validators: vec![node.into()],
            }],
            validators: vec![RiskNode {
                collateral: BTreeMap::from([("stETH".to_string(), "20".to_string())]),
                id: node.into(),
                operator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC".into(),
                stake: "20".into(),
            }],
        };
        let parsed = restake_risk::Graph::from_json(
            &serde_json::to_value(&graph).unwrap_or_else(|e| unreachable!("{e}")),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        let report = restake_risk::analyze(
            &parsed,
            &restake_risk::Options {
                psi: restake_risk::number::Frac::parse("1/100").ok(),
                ..restake_risk::Options::default()
            },
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        RiskReport {
            avs: vec![AvsRisk {
                avs: "0x90F79bf6EB2c4f870365E785982E1f101E93b906".into(),
                operator_sets: vec![set.into()],
                sets_without_slack: vec![],
                slack: Some("-1/3".into()),
            }],
            block: 51,
            cascade: Some(CascadeRun {
                fallen: vec![set.into()],
                rounds: vec![],
                shock: vec![node.into()],
                total_loss: "1".into(),
            }),
            graph,
            leaving: vec![LeavingStake {
                leaving: U256::from(5),
                node: node.into(),
                operator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC".into(),
                operator_set: set.into(),
                slashable_until: 60,
                token: "stETH".into(),
            }],
            losses: vec![ShockLoss {
                exact: true,
                psi: "1/100".into(),
                worst_case_loss: Some("1".into()),
            }],
            operators: vec![OperatorRisk {
                allocated: "20".into(),
                operator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC".into(),
                operator_sets: 1,
            }],
            prices: BTreeMap::new(),
            report,
            stake_model: "unique stake".into(),
            stake_valuation: "at par".into(),
        }
    }

    #[test]
    fn the_risk_report_keeps_its_wire_form() {
        assert_wire(&sample());
    }
}
