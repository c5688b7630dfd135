//! The delegation manager (spec §4, §5, §7).
//!
//! Operators register (permanently, delegated to themselves); stakers delegate all their shares
//! to one operator; the operator's shares (`op`) are the sum of what its stakers can withdraw,
//! rounded in the operator's favour. Withdrawals go through a queue: queued shares leave `op` at
//! once but stay slashable for `D` blocks, which the per-(operator, strategy) cumulative history
//! of queued *scaled* shares makes possible without touching any staker record.

use crate::allocation::{self, AllocationRead};
use crate::config::ConfigRead;
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::permissions::{self, PermissionsRead};
use crate::pods;
use crate::rewards;
use crate::share_manager;
use crate::shares::{self, DsfUpdate};
use crate::state::{StateError, StateRead, StateWrite, decode, key};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolValue;
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::math::{self, mul_wad};
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, OperatorSet, WAD};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

mod delegating;
mod error;
mod operators;
mod read;
mod slashing;
mod withdrawals;

pub(crate) use delegating::increase_delegated_shares;
use delegating::{delegate, increase_delegation};
pub use delegating::{delegate_to, redelegate, undelegate};
pub use error::DelegationError;
pub use operators::{
    OperatorDetails, modify_operator_details, register_as_operator, update_operator_metadata_uri,
};
pub use read::DelegationRead;
pub(crate) use slashing::{decrease_delegated_beacon_shares, slash_operator_shares};
pub(crate) use withdrawals::complete_queued_withdrawal_to;
use withdrawals::remove_shares_and_queue_withdrawal;
pub use withdrawals::{
    QueuedWithdrawalParams, QueuedWithdrawalView, Withdrawal, complete_queued_withdrawal,
    complete_queued_withdrawals, queue_withdrawals, queued_withdrawal, queued_withdrawals,
};

/// Pause bit: new delegations (and operator registration).
pub const PAUSED_NEW_DELEGATION: u8 = 0;
/// Pause bit: queueing withdrawals (and undelegating).
pub const PAUSED_ENTER_WITHDRAWAL_QUEUE: u8 = 1;
/// Pause bit: completing withdrawals.
pub const PAUSED_EXIT_WITHDRAWAL_QUEUE: u8 = 2;

const DELEGATED: &[u8] = b"dm/deleg/";
const OPERATOR: &[u8] = b"dm/op/";
const OP_SHARES: &[u8] = b"dm/opsh/";
const DSF: &[u8] = b"dm/dsf/";
const SALT: &[u8] = b"dm/salt/";
const WITHDRAWAL: &[u8] = b"dm/wd/";
const WD_NONCE: &[u8] = b"dm/wdnonce/";
const STAKER_WD: &[u8] = b"dm/swd/";
const HISTORY: &[u8] = b"dm/hist/";

fn op_shares_key(op: &Address, strategy: &Address) -> Vec<u8> {
    key(OP_SHARES, &[op.as_slice(), strategy.as_slice()])
}

fn dsf_key(staker: &Address, strategy: &Address) -> Vec<u8> {
    key(DSF, &[staker.as_slice(), strategy.as_slice()])
}

fn history_prefix(op: &Address, strategy: &Address) -> Vec<u8> {
    key(HISTORY, &[op.as_slice(), strategy.as_slice()])
}

fn staker_wd_key(staker: &Address, nonce: &U256) -> Vec<u8> {
    key(STAKER_WD, &[staker.as_slice(), &nonce.to_be_bytes::<32>()])
}

fn set_operator_shares(ex: &mut Exec<'_>, op: &Address, strategy: &Address, v: U256) {
    let k = op_shares_key(op, strategy);
    if v.is_zero() {
        ex.state.delete(&k)
    } else {
        ex.state.put(k, &v)
    }
}
