//! Transactions: preparing, simulating.

use alloy_primitives::{Address, B256};
use restake_core::Action;
use restake_core::block::{ReceiptError, Status};
use restake_core::event::Event;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `restake_prepareTransaction` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrepareRequest {
    /// Sender.
    pub from: Address,
    /// Action to sign.
    pub action: Action,
    /// Nonce to use (default: the next one, counting pending transactions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
}

/// `restake_prepareTransaction` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepareResponse {
    /// The nonce the transaction carries.
    pub nonce: u64,
    /// The `eth_signTypedData_v4` document to sign, unchanged: a JSON document by definition
    /// (EIP-712), passed to a wallet as it is.
    pub typed_data: Value,
    /// Its EIP-712 digest.
    pub signing_hash: B256,
}

/// `restake_simulateTransaction` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimulateRequest {
    /// Sender.
    pub from: Address,
    /// Action to run.
    pub action: Action,
}

/// `restake_simulateTransaction` result: what a transaction would get as the first of the next
/// block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulateResponse {
    /// The block it would be in.
    pub block_number: u64,
    /// Why it would fail (`null` when it would succeed).
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub error: Option<ReceiptError>,
    /// The events it would emit (empty when it would fail).
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub events: Vec<Event>,
    /// `"success"` or `"failed"`.
    pub status: Status,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;
    use alloy_primitives::U256;

    #[test]
    fn simulations_keep_their_wire_form() {
        assert_wire(&SimulateResponse {
            block_number: 18,
            error: Some(ReceiptError {
                code: 16000,
                name: "BelowMinimumDeposit".into(),
                message: "vault: too small".into(),
            }),
            events: vec![Event::Transfer {
                token: Address::repeat_byte(1),
                from: Address::repeat_byte(2),
                to: Address::repeat_byte(3),
                amount: U256::from(1000),
            }],
            status: Status::Failed,
        });
    }

    #[test]
    fn a_prepare_request_without_a_nonce_leaves_it_out() {
        let r = PrepareRequest {
            from: Address::ZERO,
            action: Action::PauseAll {},
            nonce: None,
        };
        let v = serde_json::to_value(&r).unwrap_or_default();
        assert!(v.get("nonce").is_none());
    }
}
