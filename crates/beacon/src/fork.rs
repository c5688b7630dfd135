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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pectra_is_chosen_strictly_after_the_fork_timestamp() {
        assert_eq!(ProofVersion::for_timestamp(0, 100), Ok(ProofVersion::Deneb));
        assert_eq!(
            ProofVersion::for_timestamp(100, 100),
            Ok(ProofVersion::Deneb)
        );
        assert_eq!(
            ProofVersion::for_timestamp(101, 100),
            Ok(ProofVersion::Pectra)
        );
        assert_eq!(
            ProofVersion::for_timestamp(u64::MAX, 100),
            Ok(ProofVersion::Pectra)
        );
    }

    #[test]
    fn an_unset_fork_timestamp_is_refused() {
        assert_eq!(
            ProofVersion::for_timestamp(101, 0),
            Err(BeaconError::ForkTimestampZero)
        );
        assert_eq!(
            ProofVersion::for_timestamp(0, 0),
            Err(BeaconError::ForkTimestampZero)
        );
    }

    #[test]
    fn the_state_tree_is_five_levels_for_deneb_and_six_for_pectra() {
        assert_eq!(ProofVersion::Deneb.state_tree_height(), 5);
        assert_eq!(ProofVersion::Pectra.state_tree_height(), 6);
    }

    #[test]
    fn versions_are_written_in_lower_case() {
        assert_eq!(
            serde_json::to_string(&ProofVersion::Pectra).unwrap(),
            "\"pectra\""
        );
        assert_eq!(
            serde_json::from_str::<ProofVersion>("\"deneb\"").unwrap(),
            ProofVersion::Deneb
        );
    }
}
