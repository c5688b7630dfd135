//! Native restaking (EigenLayer's `EigenPodManager` and `EigenPod`, spec §8): beacon-chain
//! validators point their withdrawal credentials at a pod; their balances, proven with SSZ Merkle
//! proofs against beacon block roots from the oracle, become shares of the beacon-chain ETH
//! strategy.
//!
//! - One pod per owner, at a derived address (`podAddress(owner)`), which validators use in their
//!   `0x01`/`0x02` withdrawal credentials.
//! - Pod math is in gwei; shares are wei (one share is one wei of ETH), always whole gwei.
//! - Balance increases become new deposit shares. Balance decreases lower the owner's beacon-chain
//!   slashing factor (BCSF) in proportion, never the deposit shares, so beacon slashing and AVS
//!   slashing compose as in EigenLayer.
//! - ETH leaves through the normal withdrawal queue: completing as tokens debits the pod's
//!   checkpointed execution-layer balance and emits a numbered payout instruction (`PodPayout`)
//!   for the bridge to carry out from the pod on Ethereum. The oracle reports how many
//!   instructions were carried out, so ETH on its way out is never credited twice.

use crate::beacon_oracle;
use crate::config::ConfigRead;
use crate::delegation;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, B256, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_beacon::{
    BalanceContainerProof, BalanceProof, ProofVersion, StateRootProof, ValidatorProof,
};
use restake_primitives::BEACON_CHAIN_ETH_STRATEGY;
use restake_primitives::math::{self, MathError, Rounding, mul_div};
use serde::{Deserialize, Serialize};

mod checkpoints;
mod credentials;
mod error;
mod eth_shares;
mod owner;
mod read;

pub use checkpoints::{start_checkpoint, verify_checkpoint_proofs, verify_stale_balance};
pub use credentials::verify_withdrawal_credentials;
pub use error::PodError;
use eth_shares::record_balance_update;
pub(crate) use eth_shares::{
    add_shares, bcsf, check_removable, increase_burnable_shares, remove_deposit_shares,
    withdraw_shares_as_tokens,
};
pub use owner::{create_pod, set_proof_submitter};
pub use read::PodRead;

/// Pause bit: creating pods.
pub const PAUSED_NEW_EIGENPODS: u8 = 0;
/// Pause bit: verifying withdrawal credentials.
pub const PAUSED_EIGENPODS_VERIFY_CREDENTIALS: u8 = 2;
/// Pause bit: paying ETH out of pods (withdrawals completed as tokens).
pub const PAUSED_NON_PROOF_WITHDRAWALS: u8 = 5;
/// Pause bit: starting checkpoints.
pub const PAUSED_START_CHECKPOINT: u8 = 6;
/// Pause bit: checkpoint proofs.
pub const PAUSED_EIGENPODS_VERIFY_CHECKPOINT_PROOFS: u8 = 7;
/// Pause bit: stale-balance proofs.
pub const PAUSED_VERIFY_STALE_BALANCE: u8 = 8;

/// Wei per gwei.
pub const GWEI: u64 = 1_000_000_000;

/// Status of a validator in a pod (only moves INACTIVE → ACTIVE → WITHDRAWN).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum ValidatorStatus {
    /// Never verified.
    #[default]
    Inactive,
    /// Restaked.
    Active,
    /// Balance reached zero in a checkpoint.
    Withdrawn,
}

/// A validator restaked in a pod.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorInfo {
    /// Index in the beacon state's validator list.
    pub validator_index: u64,
    /// Balance credited, in gwei.
    pub restaked_balance_gwei: u64,
    /// Beacon timestamp of the last checkpoint that proved it (or that it joined during).
    pub last_checkpointed_at: u64,
    /// Status.
    pub status: ValidatorStatus,
}

/// A checkpoint in progress (or the last finalized one).
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The beacon block root balances are proven against.
    pub beacon_block_root: B256,
    /// Active validators still to prove.
    pub proofs_remaining: u64,
    /// New execution-layer ETH in the pod, in gwei.
    pub pod_balance_gwei: u64,
    /// Sum of proven balance changes, in gwei.
    pub balance_deltas_gwei: i128,
    /// Sum of the proven validators' previous balances, in gwei.
    pub prev_beacon_balance_gwei: u64,
}

/// A pod.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// The pod address (validators' withdrawal credentials point here).
    pub address: Address,
    /// The owner, whose shares the pod backs.
    pub owner: Address,
    /// A hot key that may verify credentials and start checkpoints (zero: none).
    pub proof_submitter: Address,
    /// Checkpointed execution-layer ETH not yet paid out, in gwei.
    pub restaked_execution_layer_gwei: u64,
    /// Validators with status ACTIVE.
    pub active_validator_count: u64,
    /// Beacon timestamp of the last finalized checkpoint (0: none).
    pub last_checkpoint_timestamp: u64,
    /// Beacon timestamp of the checkpoint in progress (0: none).
    pub current_checkpoint_timestamp: u64,
    /// The checkpoint in progress, or the last finalized one.
    pub checkpoint: Checkpoint,
    /// Payout instructions issued so far.
    pub payouts: u64,
    /// Gwei paid out by all payout instructions so far.
    pub paid_out_gwei: u64,
}

const POD_BY_OWNER: &[u8] = b"pod/o/";
const OWNER_BY_POD: &[u8] = b"pod/a/";
const VALIDATOR: &[u8] = b"pod/v/";
const EXITED: &[u8] = b"pod/x/";
const PAYOUT: &[u8] = b"pod/p/";
const SHARES: &[u8] = b"epm/s/";
const BCSF: &[u8] = b"epm/l/";
const BURNABLE: &[u8] = b"epm/burn";
const COUNT: &[u8] = b"epm/count";

/// The pod address of `owner`: the last 20 bytes of `keccak256("restake.pod" ‖ owner)`.
pub fn pod_address(owner: &Address) -> Address {
    let mut buf = b"restake.pod".to_vec();
    buf.extend_from_slice(owner.as_slice());
    Address::from_slice(keccak256(buf).get(12..).unwrap_or(&[0u8; 20]))
}

const WAD_U64: u64 = 1_000_000_000_000_000_000;

fn put_pod(ex: &mut Exec<'_>, pod: &Pod) {
    ex.state
        .put(key(POD_BY_OWNER, &[pod.owner.as_slice()]), pod);
}

fn put_validator(ex: &mut Exec<'_>, pod: &Address, hash: &B256, info: &ValidatorInfo) {
    ex.state
        .put(key(VALIDATOR, &[pod.as_slice(), hash.as_slice()]), info);
}

fn require_pod(ex: &Exec<'_>, pod: &Address) -> Result<Pod, Error> {
    Ok(ex.state.pod_at(pod)?.ok_or(PodError::PodNotFound(*pod))?)
}

/// The pod named by an action, defaulting to the sender's own.
///
/// An omitted `pod` and the zero address both mean the sender's own pod: they sign the same
/// EIP-712 message, so they must execute the same (otherwise anyone relaying a signed
/// transaction could switch one for the other and make it fail).
pub(crate) fn resolve(ex: &Exec<'_>, sender: Address, pod: Option<Address>) -> Result<Pod, Error> {
    match pod.filter(|p| !p.is_zero()) {
        Some(p) => require_pod(ex, &p),
        None => Ok(ex
            .state
            .pod_of(&sender)?
            .ok_or(PodError::PodNotFound(pod_address(&sender)))?),
    }
}

fn require_owner_or_submitter(pod: &Pod, sender: Address) -> Result<(), Error> {
    if sender != pod.owner && (pod.proof_submitter.is_zero() || sender != pod.proof_submitter) {
        return Err(PodError::OnlyEigenPodOwnerOrProofSubmitter.into());
    }
    Ok(())
}

fn gwei_to_wei(g: u64) -> U256 {
    U256::from(g).saturating_mul(U256::from(GWEI))
}

fn version_at(ex: &Exec<'_>, timestamp: u64) -> Result<ProofVersion, Error> {
    let fork = ex.state.params()?.pectra_fork_timestamp;
    Ok(ProofVersion::for_timestamp(timestamp, fork).map_err(PodError::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_addresses_differ_per_owner_and_are_stable() {
        let a = pod_address(&Address::repeat_byte(1));
        let b = pod_address(&Address::repeat_byte(2));
        assert_ne!(a, b);
        assert_eq!(a, pod_address(&Address::repeat_byte(1)));
        assert_eq!(restake_primitives::WAD, U256::from(WAD_U64));
    }
}
