//! Subscription items (the header of `restake_subscribeNewHeads` is the core's [`Header`]).
//!
//! [`Header`]: restake_core::block::Header

use super::RiskReport;
use alloy_primitives::B256;
use restake_core::event::Event;
use serde::{Deserialize, Serialize};

/// An item of `restake_subscribeEvents`: one event of a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventItem {
    /// The block.
    pub block_number: u64,
    /// The event.
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub event: Event,
    /// The transaction that emitted it.
    pub transaction_hash: B256,
}

/// An item of `restake_subscribeRiskReport`: a report, or why the state at a height could not be
/// reported (the subscription goes on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RiskReportItem {
    /// The report of a changed state.
    Report(Box<RiskReport>),
    /// The analysis failed for the state at `height`.
    Error(RiskReportError),
}

/// A state the analysis could not report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskReportError {
    /// Why.
    pub error: String,
    /// The height of the state analysed.
    pub height: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;
    use alloy_primitives::{Address, U256};

    #[test]
    fn subscription_items_keep_their_wire_form() {
        assert_wire(&EventItem {
            block_number: 131,
            event: Event::Transfer {
                token: Address::repeat_byte(1),
                from: Address::repeat_byte(2),
                to: Address::repeat_byte(3),
                amount: U256::from(1000),
            },
            transaction_hash: B256::repeat_byte(4),
        });
        assert_wire(&RiskReportItem::Error(RiskReportError {
            error: "the graph has too many nodes".into(),
            height: 9,
        }));
        assert_wire(&RiskReportItem::Report(Box::new(
            crate::types::risk::tests::sample(),
        )));
    }
}
