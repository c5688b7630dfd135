//! Slash with proof (the design article's `Slasher.slash(staker, proof)`): objective evidence of
//! equivocation, which anyone may submit without trusting the AVS.
//!
//! An operator set may enable the rule when it is created, with a fixed WAD to slash. Operators of
//! such a set sign EIP-712 `Attestation(avs, operatorSetId, height, payloadHash)` messages. Two
//! attestations by the same operator for the same `(set, height)` with different payloads prove
//! equivocation: the operator is slashed by the set's WAD in every strategy of the set, at most
//! once per `(operator, set, height)`.

use crate::allocation::{self, AllocationRead};
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, B256, Bytes};
use restake_primitives::OperatorSet;
use thiserror::Error;

/// Pause bit: equivocation slashing.
pub const PAUSED_EQUIVOCATION_SLASHING: u8 = 0;

/// Evidence failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvidenceError {
    /// The set has no equivocation rule.
    #[error("operator set {0} does not slash on equivocation")]
    RuleNotEnabled(OperatorSet),
    /// The two payloads are the same: no equivocation.
    #[error("the two attestations sign the same payload")]
    SamePayload,
    /// A signature is not the operator's.
    #[error("attestation {index} is not signed by operator {operator}")]
    NotSignedByOperator {
        /// Which attestation (0 or 1).
        index: u8,
        /// Operator.
        operator: Address,
    },
    /// This equivocation was already punished.
    #[error("operator {operator} was already slashed for height {height} in {set}")]
    AlreadySlashed {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
        /// Height.
        height: u64,
    },
}

const SLASHED: &[u8] = b"ev/slashed/";

fn slashed_key(op: &Address, set: &OperatorSet, height: u64) -> Vec<u8> {
    key(
        SLASHED,
        &[op.as_slice(), set.key().as_slice(), &height.to_be_bytes()],
    )
}

/// Typed reads of evidence state.
pub trait EvidenceRead: StateRead {
    /// True when the operator was already slashed for this `(set, height)`.
    fn equivocation_slashed(
        &self,
        op: &Address,
        set: &OperatorSet,
        height: u64,
    ) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&slashed_key(op, set, height))
    }
}
impl<T: StateRead + ?Sized> EvidenceRead for T {}

/// One signed attestation.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedAttestation {
    /// Hash of the attested payload.
    pub payload_hash: B256,
    /// The operator's EIP-712 signature.
    pub signature: Bytes,
}

/// `slashWithEquivocationProof` action.
///
/// Rules:
/// 1. Neither equivocation slashing nor slashing in general (allocation manager bit 1) is paused;
///    the set exists and has the rule enabled.
/// 2. The payload hashes differ and both attestations recover to `operator` for
///    `(avs, operatorSetId, height)`.
/// 3. The operator is slashable by the set and was not slashed for this height before.
/// 4. The operator is slashed by the set's WAD in every strategy of the set (ascending order), as
///    `slashOperator` would, without the slasher check; the height is marked as punished.
pub fn slash_with_equivocation_proof(
    ex: &mut Exec<'_>,
    avs: Address,
    operator_set_id: u32,
    operator: Address,
    height: u64,
    first: &SignedAttestation,
    second: &SignedAttestation,
) -> Result<allocation::SlashOutcome, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::Evidence,
        PAUSED_EQUIVOCATION_SLASHING,
    )?;
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        allocation::PAUSED_OPERATOR_SLASHING,
    )?;
    let set = OperatorSet::new(avs, operator_set_id);
    let info = ex
        .state
        .operator_set(&set)?
        .ok_or(allocation::AllocationError::InvalidOperatorSet(set))?;
    let wad = info
        .equivocation_wad_to_slash
        .ok_or(EvidenceError::RuleNotEnabled(set))?;
    if first.payload_hash == second.payload_hash {
        return Err(EvidenceError::SamePayload.into());
    }
    for (index, att) in [(0u8, first), (1u8, second)] {
        let msg = eip712::Attestation {
            avs,
            operatorSetId: operator_set_id,
            height,
            payloadHash: att.payload_hash,
        };
        if eip712::recover(&msg, ex.block.chain_id, &att.signature)? != operator {
            return Err(EvidenceError::NotSignedByOperator { index, operator }.into());
        }
    }
    if !ex
        .state
        .is_operator_slashable(&operator, &set, ex.block.number)?
    {
        return Err(allocation::AllocationError::OperatorNotSlashable { operator, set }.into());
    }
    let k = slashed_key(&operator, &set, height);
    if ex.state.contains(&k)? {
        return Err(EvidenceError::AlreadySlashed {
            operator,
            set,
            height,
        }
        .into());
    }
    ex.state.put_flag(k);
    let mut strategies = info.strategies.clone();
    strategies.sort();
    let wads = vec![wad; strategies.len()];
    ex.emit(Event::EquivocationProven {
        operator,
        operator_set: set,
        height,
    });
    allocation::slash(
        ex,
        set,
        info,
        operator,
        &strategies,
        &wads,
        format!("equivocation at height {height}"),
    )
}
