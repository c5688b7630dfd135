//! Tokens, pools, operator sets and allocations.

use alloy_primitives::{Address, U256};
use restake_core::allocation::RegistrationPolicy;
use restake_primitives::decimal::{i128_str, opt_u256, u64_str, u256 as dec};
use serde::{Deserialize, Serialize};

/// One entry of `restake_getTokens`: a registered token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSummary {
    /// Decimals for display.
    pub decimals: u8,
    /// The only account that may mint and burn.
    pub minter: Address,
    /// Ticker, e.g. `stETH`.
    pub symbol: String,
    /// The token's address.
    pub token: Address,
    /// Sum of all balances.
    #[serde(with = "dec")]
    pub total_supply: U256,
}

/// One entry of `restake_getStrategies`: a token pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategySummary {
    /// Tokens held by the pool.
    #[serde(with = "dec")]
    pub balance: U256,
    /// The pool (strategy) address.
    pub strategy: Address,
    /// The token's symbol (empty if the token is not registered).
    pub symbol: String,
    /// The pool's token.
    pub token: Address,
    /// Shares issued.
    #[serde(with = "dec")]
    pub total_shares: U256,
    /// Tokens one WAD of shares is worth now.
    #[serde(with = "dec")]
    pub underlying_per_share: U256,
}

/// `restake_getOperatorSet` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSetResponse {
    /// The AVS.
    pub avs: Address,
    /// The fraction an equivocation proof slashes (WAD), `None` without an equivocation rule.
    #[serde(with = "opt_u256")]
    pub equivocation_wad_to_slash: Option<U256>,
    /// The scheme of the set's keys (`ecdsa`, `bls12381`); `None` until the AVS configures it.
    pub key_scheme: Option<restake_core::keys::KeyScheme>,
    /// The set's latest operator table (its reference height, root, count and total weight;
    /// entries with `restake_getOperatorTable`); `None` before the first.
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub latest_table: Option<restake_core::tables::OperatorTable>,
    /// Registered operators.
    pub members: Vec<Address>,
    /// The set's id.
    pub operator_set_id: u32,
    /// Where slashed funds go; `None` burns them.
    pub redistribution_recipient: Option<Address>,
    /// Who may join.
    pub registration_policy: RegistrationPolicy,
    /// Slashes so far (the last slash id).
    pub slash_count: u64,
    /// Who may slash the set at the current block.
    pub slasher: Address,
    /// A proposed slasher change.
    pub slasher_change: SlasherChange,
    /// Strategies the set can slash.
    pub strategies: Vec<Address>,
}

/// A proposed slasher change (zero address and 0: none pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlasherChange {
    /// Block from which the pending slasher is in charge.
    pub effect_block: u32,
    /// The proposed slasher.
    pub pending_slasher: Address,
}

/// `restake_getAllocation` result: one allocation with its pending change applied if due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocationResponse {
    /// Magnitude allocated now (WAD of the operator's stake).
    #[serde(with = "u64_str")]
    pub current_magnitude: u64,
    /// Block at which the pending change applies (0: none).
    pub effect_block: u32,
    /// The operator's allocated or pending-allocation magnitude for the strategy.
    #[serde(with = "u64_str")]
    pub encumbered_magnitude: u64,
    /// Whether the operator is slashable by the set now.
    pub is_slashable: bool,
    /// The operator's max magnitude for the strategy.
    #[serde(with = "u64_str")]
    pub max_magnitude: u64,
    /// The change waiting for `effect_block` (negative for a deallocation).
    #[serde(with = "i128_str")]
    pub pending_diff: i128,
    /// Shares the set can slash now.
    #[serde(with = "dec")]
    pub slashable_shares: U256,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;

    #[test]
    fn restaking_responses_keep_their_wire_form() {
        assert_wire(&TokenSummary {
            decimals: 18,
            minter: Address::repeat_byte(1),
            symbol: "stETH".into(),
            token: Address::repeat_byte(2),
            total_supply: U256::from(10).pow(U256::from(23)),
        });
        assert_wire(&StrategySummary {
            balance: U256::from(5),
            strategy: Address::repeat_byte(3),
            symbol: "rETH".into(),
            token: Address::repeat_byte(4),
            total_shares: U256::from(6),
            underlying_per_share: U256::from(10).pow(U256::from(18)),
        });
        let table = restake_core::tables::OperatorTable {
            operator_set: restake_primitives::OperatorSet::new(Address::repeat_byte(5), 1),
            reference_height: 12,
            key_scheme: restake_core::keys::KeyScheme::Bls12381,
            strategies: vec![Address::repeat_byte(3)],
            root: alloy_primitives::B256::repeat_byte(1),
            operator_count: 1,
            total_weight: U256::from(100),
            aggregate_key: Some(alloy_primitives::Bytes::from(vec![0xa0; 48])),
        };
        for (equivocation, recipient, scheme, latest) in [
            (None, None, None, None),
            (
                Some(U256::from(7)),
                Some(Address::repeat_byte(9)),
                Some(restake_core::keys::KeyScheme::Bls12381),
                Some(table),
            ),
        ] {
            assert_wire(&OperatorSetResponse {
                avs: Address::repeat_byte(5),
                equivocation_wad_to_slash: equivocation,
                key_scheme: scheme,
                latest_table: latest,
                members: vec![Address::repeat_byte(6)],
                operator_set_id: 1,
                redistribution_recipient: recipient,
                registration_policy: RegistrationPolicy::Open,
                slash_count: 1,
                slasher: Address::repeat_byte(5),
                slasher_change: SlasherChange {
                    effect_block: 0,
                    pending_slasher: Address::ZERO,
                },
                strategies: vec![Address::repeat_byte(3)],
            });
        }
        assert_wire(&AllocationResponse {
            current_magnitude: 450_000_000_000_000_000,
            effect_block: 19,
            encumbered_magnitude: 450_000_000_000_000_000,
            is_slashable: true,
            max_magnitude: 950_000_000_000_000_000,
            pending_diff: -250_000_000_000_000_000,
            slashable_shares: U256::from(58),
        });
    }
}
