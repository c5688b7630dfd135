//! Rewards (EigenLayer's `RewardsCoordinator`, spec §9, computed on the ledger): AVSs escrow
//! tokens for an operator set over a range of epochs; at the end of every epoch its slice is
//! split among the set's operators by slashable stake weighted by strategy multipliers, the
//! operator takes its commission, and the rest goes to its delegators through a reward-per-share
//! index per (operator, strategy, token).
//!
//! Exact rules (also in `docs/rewards.md`):
//! - An epoch is `rewardsEpochBlocks` blocks; epoch `e` covers blocks `[e·L, (e+1)·L)` and is
//!   distributed by the first block of epoch `e + 1`, before its transactions, with the stake as it
//!   stands then (the end of epoch `e`).
//! - A submission of `amount` over `duration` epochs pays `⌊amount / duration⌋` per epoch and the
//!   remainder in its last epoch, so it pays out exactly `amount`.
//! - Stake-weighted: operator `o`'s weight is `Σ_s multiplier_s · stake(o, s)`, with `stake` the
//!   shares the set can slash now (`minimumSlashableStake`, 0 if `o` is not slashable by the set).
//!   Its pool is `⌊slice · weight_o / Σ weight⌋`. Operator-directed: the pool is the operator's
//!   named amount per epoch, split over strategies by the same weights.
//! - Commission: `⌊pool · splitBips / 10000⌋` to the operator, `⌊pool · (10000 − splitBips) / 10000⌋`
//!   to its delegators, the remainder (under one unit) dust (default 1000 bips = 10%, per-AVS
//!   override effective `splitActivationDelayEpochs` epochs after it is set).
//! - The rest, per strategy `s` in proportion to `multiplier_s · stake(o, s)`, raises the index
//!   `I(o, s, token)` by `⌊part · 1e36 / X(o, s)⌋`, where `X(o, s)` is the sum over `o`'s
//!   delegators of their slashing-invariant scaled shares `x = s·k·l` (deposit shares × scaling
//!   factor × beacon-chain factor: what they could withdraw if `o`'s magnitude were whole). AVS
//!   slashing lowers every delegator's stake by the same factor, so `x` and the split are
//!   untouched and slashing needs no per-staker work.
//! - A staker's accrual is `⌊x · (I − I_last) / 1e36⌋`, settled whenever its `x` changes (deposit,
//!   delegation, undelegation, queue, completion, beacon-chain factor change) and at claims.
//! - Every rounding is down, against the claimant. Per token, exactly:
//!   `funded = paid + accrued + unsettled + dust + still to distribute`, where `unsettled` is what
//!   indices hold for their stakers (their pending accruals plus the indices' rounding remainder,
//!   which no one can claim) and `dust` what no index or operator received (rounding of the
//!   split, epochs without stake).
//!
//! Cost of an epoch: O(active submissions × operators × strategies × tokens); never O(stakers).

use crate::allocation::{self, AllocationRead};
use crate::config::ConfigRead;
use crate::delegation::DelegationRead;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::pods;
use crate::share_manager;
use crate::shares;
use crate::state::{StateError, StateRead, StateWrite, address_at, key};
use crate::strategy_manager::StrategyManagerRead;
use crate::tokens;
use alloy_primitives::{Address, U256, address};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::math::{self, MathError, Rounding, mul_div};
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, OperatorSet, WAD};
use serde::{Deserialize, Serialize};

mod claims;
mod distribution;
mod error;
mod positions;
mod read;
mod splits;
mod submissions;

pub use claims::{claim_rewards, claimable, set_rewards_recipient};
pub use distribution::{begin_block, distribute_epoch};
pub use error::RewardsError;
pub use positions::scaled_shares;
pub(crate) use positions::sync_position;
use positions::{Position, pending_of};
pub use read::{RewardsRead, epoch_of};
pub use splits::{OperatorSplit, set_operator_avs_split, split_bips};
pub use submissions::{
    OperatorReward, StrategyAndMultiplier, Submission, create_rewards_submission,
};

/// Pause bit: new submissions.
pub const PAUSED_SUBMISSIONS: u8 = 0;
/// Pause bit: claims.
pub const PAUSED_CLAIMS: u8 = 2;
/// Largest amount of one submission (as EigenLayer: `1e38 - 1`).
pub const MAX_REWARDS_AMOUNT: U256 =
    U256::from_limbs([0x098a_223f_ffff_ffff, 0x4b3b_4ca8_5a86_c47a, 0, 0]);
/// Fixed-point scale of the reward-per-share indices: `1e36`.
pub const INDEX_PRECISION: U256 =
    U256::from_limbs([0xb34b_9f10_0000_0000, 0x00c0_97ce_7bc9_0715, 0, 0]);
/// Largest operator split, in basis points.
pub const MAX_SPLIT_BIPS: u16 = 10_000;
/// Where submitted rewards are held until claimed.
pub const REWARDS_ESCROW: Address = address!("0x0000000000000000000000000000000000005ead");

const NEXT: &[u8] = b"rw/next";
const SUB: &[u8] = b"rw/sub/";
const ACTIVE: &[u8] = b"rw/act/";
const INDEX: &[u8] = b"rw/idx/";
const TOKENS: &[u8] = b"rw/tok/";
const TOTAL: &[u8] = b"rw/tot/";
const POSITION: &[u8] = b"rw/pos/";
const LAST: &[u8] = b"rw/last/";
const ACCRUED: &[u8] = b"rw/acc/";
const SPLIT: &[u8] = b"rw/split/";
const RECIPIENT: &[u8] = b"rw/rcpt/";
const DUST: &[u8] = b"rw/dust/";
const PAID: &[u8] = b"rw/paid/";
const FUNDED: &[u8] = b"rw/fund/";
const UNSETTLED: &[u8] = b"rw/uns/";

fn pair(a: &Address, b: &Address) -> Vec<u8> {
    key(a.as_slice(), &[b.as_slice()])
}

fn add_to(ex: &mut Exec<'_>, k: Vec<u8>, amount: U256) -> Result<(), Error> {
    if amount.is_zero() {
        return Ok(());
    }
    let v: U256 = ex.state.get(&k)?.unwrap_or(U256::ZERO);
    ex.state.put(k, &math::add(v, amount)?);
    Ok(())
}

fn sub_from(ex: &mut Exec<'_>, k: Vec<u8>, amount: U256) -> Result<(), Error> {
    let v: U256 = ex.state.get(&k)?.unwrap_or(U256::ZERO);
    let n = math::sub(v, amount)?;
    if n.is_zero() {
        ex.state.delete(&k);
    } else {
        ex.state.put(k, &n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_1e38_minus_1_and_1e36() {
        let ten = U256::from(10u64);
        assert_eq!(
            MAX_REWARDS_AMOUNT,
            ten.pow(U256::from(38u64)) - U256::from(1u64)
        );
        assert_eq!(INDEX_PRECISION, ten.pow(U256::from(36u64)));
    }
}
