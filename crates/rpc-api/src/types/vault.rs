//! Liquid restaking vaults.

use alloy_primitives::{Address, U256};
use restake_primitives::decimal::u256 as dec;
use serde::{Deserialize, Serialize};

/// One entry of `restake_getVaults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultSummary {
    /// The LRT token.
    pub lrt: Address,
    /// ETH-wei per LRT share, WAD.
    #[serde(with = "dec")]
    pub rate: U256,
    /// The LRT's symbol.
    pub symbol: String,
    /// Total assets `A`, in ETH-wei.
    #[serde(with = "dec")]
    pub total_assets: U256,
    /// LRT supply `S`.
    #[serde(with = "dec")]
    pub total_supply: U256,
    /// The vault's account.
    pub vault: Address,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;

    #[test]
    fn the_vault_summary_keeps_its_wire_form() {
        assert_wire(&VaultSummary {
            lrt: Address::repeat_byte(1),
            rate: U256::from(10).pow(U256::from(18)),
            symbol: "rsETH".into(),
            total_assets: U256::from(10),
            total_supply: U256::from(10),
            vault: Address::repeat_byte(2),
        });
    }
}
