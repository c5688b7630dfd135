//! Which beacon-state layout a proof uses: Deneb (28 fields, tree height 5) or Pectra (37 fields,
//! height 6), chosen by the proof's timestamp against the configured fork timestamp.

use crate::error::BeaconError;
use serde::{Deserialize, Serialize};

/// The beacon-state layout of a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProofVersion {
    /// Deneb: `BeaconState` tree height 5.
    Deneb,
    /// Pectra (Electra): `BeaconState` tree height 6.
    Pectra,
}

impl ProofVersion {
    /// Height of the `BeaconState` container's field tree.
    pub const fn state_tree_height(self) -> u64 {
        match self {
            Self::Deneb => crate::DENEB_BEACON_STATE_TREE_HEIGHT,
            Self::Pectra => crate::PECTRA_BEACON_STATE_TREE_HEIGHT,
        }
    }

    /// Deneb for proofs at or before the fork timestamp (the EIP-4788 root at the fork block is
    /// still a pre-fork root), Pectra after.
    pub fn for_timestamp(
        proof_timestamp: u64,
        pectra_fork_timestamp: u64,
    ) -> Result<Self, BeaconError> {
        if pectra_fork_timestamp == 0 {
            return Err(BeaconError::ForkTimestampZero);
        }
        Ok(if proof_timestamp <= pectra_fork_timestamp {
            Self::Deneb
        } else {
            Self::Pectra
        })
    }
}
