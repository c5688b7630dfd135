//! Rewards.

use alloy_primitives::{Address, U256};
use restake_primitives::decimal::u256 as dec;
use serde::{Deserialize, Serialize};

/// `restake_getRewards` result: what an earner can claim now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardsResponse {
    /// Per token with a non-zero amount: settled and pending together, as `claimRewards` pays.
    pub claimable: Vec<ClaimableReward>,
    /// The earner.
    pub earner: Address,
    /// The epoch in progress.
    pub epoch: u64,
    /// Where claims go.
    pub recipient: Address,
}

/// What an earner can claim of one token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimableReward {
    /// The amount.
    #[serde(with = "dec")]
    pub amount: U256,
    /// The token's symbol.
    pub symbol: String,
    /// The token.
    pub token: Address,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;

    #[test]
    fn the_rewards_response_keeps_its_wire_form() {
        assert_wire(&RewardsResponse {
            claimable: vec![ClaimableReward {
                amount: U256::from(78),
                symbol: "rETH".into(),
                token: Address::repeat_byte(1),
            }],
            earner: Address::repeat_byte(2),
            epoch: 5,
            recipient: Address::repeat_byte(2),
        });
    }
}
