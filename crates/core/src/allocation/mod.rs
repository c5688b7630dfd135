//! The slasher manager (the design article's SlasherManager; EigenLayer's `AllocationManager`,
//! spec §6): AVSs, operator sets, registration, allocations of magnitude, and slashing.
//!
//! Magnitudes are fractions of an operator's delegated stake in a strategy: `maxMagnitude`
//! starts at `WAD` (100%) and only slashing lowers it. An operator allocates *unique* magnitude to
//! operator sets (`encumbered <= max`), so the same stake is never promised twice. Allocations
//! take effect after the operator's allocation delay; deallocations of slashable magnitude only
//! after `DEALLOCATION_DELAY + 1` blocks, in a FIFO queue. Pending changes are applied lazily, on
//! read, when their effect block has come.
//!
//! Slashing lowers the operator's `maxMagnitude` and its operator shares; stakers' records are
//! never touched (their withdrawable shares scale with `maxMagnitude`), so the cost does not
//! depend on how many stakers delegate to the operator.
//!
//! Registration policy replaces EigenLayer's registrar callback: each set is `open`, `allowlist`
//! (the AVS maintains the list) or `approval` (the AVS signs an EIP-712 approval).

use crate::config::ConfigRead;
use crate::delegation::{self, DelegationRead};
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::permissions::{self, PermissionsRead};
use crate::pool::PoolRead;
use crate::state::{StateError, StateRead, StateWrite, decode, key};
use alloy_primitives::{Address, B256, Bytes, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::math::{self, div_wad, mul_wad, mul_wad_up};
use restake_primitives::{
    BEACON_CHAIN_ETH_STRATEGY, DEFAULT_BURN_ADDRESS, OperatorSet, Snapshots, WAD,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};

mod allocations;
mod error;
mod read;
mod registration;
mod sets;
mod slashing;

pub(crate) use allocations::set_allocation_delay_at_registration;
use allocations::write_allocation;
pub use allocations::{
    AllocateParams, Allocation, AllocationDelayInfo, StrategyInfo, clear_deallocation_queue,
    modify_allocations, set_allocation_delay,
};
pub use error::AllocationError;
pub use read::{AllocationRead, allocatable_magnitude, allocated_stake, minimum_slashable_stake};
pub use registration::{
    RegistrationApproval, RegistrationStatus, deregister_from_operator_sets,
    register_for_operator_sets,
};
pub use sets::{
    CreateSetParams, OperatorSetInfo, RegistrationPolicy, SlasherParams,
    add_strategies_to_operator_set, create_operator_sets, remove_strategies_from_operator_set,
    set_registration_policy, update_allowlist, update_avs_metadata_uri, update_slasher,
};
use slashing::check_wad;
pub(crate) use slashing::slash;
pub use slashing::{SlashOutcome, slash_operator};

/// `WAD` as a magnitude.
pub const WAD_U64: u64 = 1_000_000_000_000_000_000;

/// Pause bit: modifying allocations.
pub const PAUSED_MODIFY_ALLOCATIONS: u8 = 0;
/// Pause bit: slashing.
pub const PAUSED_OPERATOR_SLASHING: u8 = 1;
/// Pause bit: registering for and deregistering from operator sets.
pub const PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION: u8 = 2;

const AVS: &[u8] = b"am/avs/";
const SET: &[u8] = b"am/set/";
const MEMBER: &[u8] = b"am/member/";
const ALLOWLIST: &[u8] = b"am/allow/";
const REGISTRATION: &[u8] = b"am/reg/";
const DELAY: &[u8] = b"am/delay/";
const ALLOCATION: &[u8] = b"am/alloc/";
const MAX_MAGNITUDE: &[u8] = b"am/maxmag/";
const ENCUMBERED: &[u8] = b"am/enc/";
const DEALLOC_QUEUE: &[u8] = b"am/dq/";
const SALT: &[u8] = b"am/salt/";

fn set_key(set: &OperatorSet) -> Vec<u8> {
    key(SET, &[set.key().as_slice()])
}

fn reg_key(op: &Address, set: &OperatorSet) -> Vec<u8> {
    key(REGISTRATION, &[op.as_slice(), set.key().as_slice()])
}

fn alloc_key(op: &Address, set: &OperatorSet, strategy: &Address) -> Vec<u8> {
    key(
        ALLOCATION,
        &[op.as_slice(), set.key().as_slice(), strategy.as_slice()],
    )
}

fn op_strategy_key(prefix: &[u8], op: &Address, strategy: &Address) -> Vec<u8> {
    key(prefix, &[op.as_slice(), strategy.as_slice()])
}

fn set_from_key(k: &[u8]) -> OperatorSet {
    let avs = crate::state::address_at(k, 0);
    let id = k
        .get(28..32)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    OperatorSet::new(avs, id)
}

fn to_u64(v: U256) -> Result<u64, StateError> {
    u64::try_from(v).map_err(|_| StateError::Corrupt {
        key: "magnitude".into(),
    })
}

fn add_i128(x: u64, d: i128) -> Result<u64, Error> {
    let r = i128::from(x)
        .checked_add(d)
        .ok_or(math::MathError::Overflow)?;
    u64::try_from(r).map_err(|_| math::MathError::Underflow.into())
}

fn require_set(ex: &Exec<'_>, set: &OperatorSet) -> Result<OperatorSetInfo, Error> {
    ex.state
        .operator_set(set)?
        .ok_or_else(|| AllocationError::InvalidOperatorSet(*set).into())
}

fn require_known_strategy(ex: &Exec<'_>, strategy: &Address) -> Result<(), Error> {
    // A token pool, or beacon-chain ETH (native restaking).
    if *strategy != BEACON_CHAIN_ETH_STRATEGY && ex.state.pool(strategy)?.is_none() {
        return Err(crate::pool::PoolError::UnknownStrategy(*strategy).into());
    }
    Ok(())
}
