//! Native restaking: the beacon oracle.

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

/// `restake_getBeaconOracle` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BeaconOracleResponse {
    /// The latest accepted beacon block root (`None` before any).
    pub latest_root: Option<LatestBeaconRoot>,
    /// The oracle accounts.
    pub members: Vec<Address>,
    /// Matching reports needed to accept a value.
    pub quorum: u32,
}

/// A beacon block root the oracle accepted, with its beacon timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LatestBeaconRoot {
    /// The root.
    pub block_root: B256,
    /// Its beacon timestamp (Unix seconds).
    pub timestamp: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;

    #[test]
    fn the_oracle_response_keeps_its_wire_form() {
        for latest_root in [
            None,
            Some(LatestBeaconRoot {
                block_root: B256::repeat_byte(1),
                timestamp: 1_700_000_100,
            }),
        ] {
            assert_wire(&BeaconOracleResponse {
                latest_root,
                members: vec![Address::repeat_byte(2), Address::repeat_byte(3)],
                quorum: 2,
            });
        }
    }
}
