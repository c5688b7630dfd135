//! Identifiers and well-known addresses.

use alloy_primitives::{Address, B256, address};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The virtual strategy that stands for natively restaked beacon-chain ETH (EigenLayer's constant).
pub const BEACON_CHAIN_ETH_STRATEGY: Address = address!("beaC0eeEeeeeEEeEeEEEEeeEEeEeeeEeeEEBEaC0");

/// Where burned shares' tokens are sent when an operator set has no redistribution recipient.
pub const DEFAULT_BURN_ADDRESS: Address = address!("00000000000000000000000000000000000E16E4");

/// An operator set: a group of operators an AVS (actively validated service) manages together.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSet {
    /// The AVS that owns the set.
    pub avs: Address,
    /// The set's id within its AVS.
    pub id: u32,
}

impl OperatorSet {
    /// Builds a set id.
    pub const fn new(avs: Address, id: u32) -> Self {
        Self { avs, id }
    }

    /// EigenLayer's 32-byte packing: `avs (20 bytes) || uint96(id) (12 bytes)`, big-endian.
    pub fn key(&self) -> B256 {
        let mut out = [0u8; 32];
        let (avs, id) = out.split_at_mut(20);
        avs.copy_from_slice(self.avs.as_slice());
        let (_, low) = id.split_at_mut(8);
        low.copy_from_slice(&self.id.to_be_bytes());
        B256::from(out)
    }
}

impl std::fmt::Display for OperatorSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.avs, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    #[test]
    fn operator_set_key_packs_avs_then_id_big_endian() {
        let set = OperatorSet::new(
            address!("1111111111111111111111111111111111111111"),
            0x0102_0304,
        );
        assert_eq!(
            set.key(),
            b256!("1111111111111111111111111111111111111111000000000000000001020304")
        );
    }
}
