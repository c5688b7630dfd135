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
use thiserror::Error;

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

/// Rewards failures (EigenLayer's revert names).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RewardsError {
    /// No strategies.
    #[error("a submission needs at least one strategy")]
    InputArrayLengthZero,
    /// Strategies not strictly ascending.
    #[error("strategies must be strictly ascending")]
    StrategiesNotInAscendingOrder,
    /// A strategy that is neither allowed for deposits nor beacon-chain ETH.
    #[error("strategy {0} is not whitelisted")]
    StrategyNotWhitelisted(Address),
    /// A zero multiplier.
    #[error("multipliers must be positive")]
    MultiplierIsZero,
    /// Zero amount.
    #[error("the amount is zero")]
    AmountIsZero,
    /// Above `1e38 - 1`.
    #[error("the amount exceeds 1e38 - 1")]
    AmountExceedsMax,
    /// Zero duration.
    #[error("the duration is zero")]
    DurationIsZero,
    /// Longer than allowed.
    #[error("duration {duration} exceeds {max} epochs")]
    DurationExceedsMax {
        /// Asked.
        duration: u32,
        /// Limit.
        max: u32,
    },
    /// Starts in an epoch already distributed.
    #[error("start epoch {start} is in the past (current epoch {current})")]
    StartEpochTooFarInPast {
        /// Asked.
        start: u64,
        /// The epoch in progress.
        current: u64,
    },
    /// Starts too far ahead.
    #[error("start epoch {start} is more than {max} epochs ahead of {current}")]
    StartEpochTooFarInFuture {
        /// Asked.
        start: u64,
        /// The epoch in progress.
        current: u64,
        /// Limit.
        max: u32,
    },
    /// The operator set does not exist.
    #[error("operator set {0} does not exist")]
    InvalidOperatorSet(OperatorSet),
    /// Operators not strictly ascending, zero, or with a zero amount.
    #[error("operator rewards need strictly ascending non-zero operators with positive amounts")]
    OperatorsNotInAscendingOrder,
    /// A split above 10000 bips.
    #[error("split {0} exceeds 10000 bips")]
    SplitExceedsMax(u16),
    /// A split change is still waiting to take effect.
    #[error("the previous split takes effect at epoch {0}")]
    PreviousSplitPending(u64),
    /// Only operators have splits.
    #[error("{0} is not an operator")]
    NotAnOperator(Address),
    /// Nothing to claim.
    #[error("nothing to claim in {0}")]
    NothingToClaim(Address),
}

/// A strategy and its weight in a submission.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct StrategyAndMultiplier {
    /// Strategy.
    pub strategy: Address,
    /// Weight (EigenLayer: `uint96`, usually `1e18` for 1x).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub multiplier: U256,
}

/// An amount an AVS names for one operator.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct OperatorReward {
    /// Operator.
    pub operator: Address,
    /// Total over the submission's epochs.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub amount: U256,
}

/// An escrowed rewards submission.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    /// Id (global, from 1).
    pub id: u64,
    /// Who paid.
    pub submitter: Address,
    /// The operator set whose operators earn.
    pub operator_set: OperatorSet,
    /// Strategies with multipliers.
    pub strategies_and_multipliers: Vec<StrategyAndMultiplier>,
    /// Reward token.
    pub token: Address,
    /// Total escrowed.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub amount: U256,
    /// Operator-directed amounts (empty: stake-weighted).
    pub operator_rewards: Vec<OperatorReward>,
    /// First epoch paid.
    pub start_epoch: u64,
    /// Epochs paid.
    pub duration_epochs: u32,
    /// Paid out to operators and indices (or counted as dust) so far.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub distributed: U256,
}

/// An operator's commission setting for one AVS (EigenLayer's `OperatorSplit`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSplit {
    /// In force before `activated_at_epoch` (`None`: the default).
    pub old_split_bips: Option<u16>,
    /// In force from `activated_at_epoch`.
    pub new_split_bips: u16,
    /// First epoch distributed with the new split.
    pub activated_at_epoch: u64,
}

/// A staker's recorded position in one strategy: the operator it counts under and its scaled
/// shares there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
struct Position {
    operator: Address,
    scaled: U256,
}

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

/// Typed reads of rewards.
pub trait RewardsRead: StateRead {
    /// A submission.
    fn submission(&self, id: u64) -> Result<Option<Submission>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(SUB, &[&id.to_be_bytes()]))
    }

    /// Every submission, oldest first.
    fn submissions(&self) -> Result<Vec<Submission>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(SUB)?
            .into_iter()
            .map(|(k, v)| {
                borsh::from_slice(&v).map_err(|_| StateError::Corrupt {
                    key: alloy_primitives::hex::encode(&k),
                })
            })
            .collect()
    }

    /// Submissions still paying.
    fn active_submissions(&self) -> Result<Vec<Submission>, StateError>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        for (k, _) in self.scan_prefix(ACTIVE)? {
            let id = k
                .get(ACTIVE.len()..)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or_default();
            if let Some(s) = self.submission(id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// `I(o, s, token)`, scaled by [`INDEX_PRECISION`].
    fn reward_index(
        &self,
        op: &Address,
        strategy: &Address,
        token: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(
                INDEX,
                &[op.as_slice(), strategy.as_slice(), token.as_slice()],
            ))?
            .unwrap_or(U256::ZERO))
    }

    /// Tokens that ever paid through `(o, s)`.
    fn index_tokens(&self, op: &Address, strategy: &Address) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(TOKENS, &[&pair(op, strategy)]))?
            .unwrap_or_default())
    }

    /// `X(o, s)`: the delegators' scaled shares the index divides by.
    fn scaled_total(&self, op: &Address, strategy: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(TOTAL, &[&pair(op, strategy)]))?
            .unwrap_or(U256::ZERO))
    }

    /// Settled, unclaimed rewards of an earner.
    fn accrued(&self, earner: &Address, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(ACCRUED, &[&pair(earner, token)]))?
            .unwrap_or(U256::ZERO))
    }

    /// Credited to `I(o, s, token)` and not yet settled to a staker: what the index's stakers
    /// will be owed plus its rounding remainder (which no one can claim).
    fn reward_unsettled(
        &self,
        op: &Address,
        strategy: &Address,
        token: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(
                UNSETTLED,
                &[op.as_slice(), strategy.as_slice(), token.as_slice()],
            ))?
            .unwrap_or(U256::ZERO))
    }

    /// Where an earner's claims go (itself unless set).
    fn rewards_recipient(&self, earner: &Address) -> Result<Address, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(RECIPIENT, &[earner.as_slice()]))?
            .unwrap_or(*earner))
    }

    /// Rewards nobody can claim (rounding, epochs without stake), per token.
    fn rewards_dust(&self, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(DUST, &[token.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// Total ever submitted, per token.
    fn rewards_funded(&self, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(FUNDED, &[token.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// Total ever claimed, per token.
    fn rewards_paid(&self, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(PAID, &[token.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// The stored split of `(operator, avs)`.
    fn operator_split(
        &self,
        op: &Address,
        avs: &Address,
    ) -> Result<Option<OperatorSplit>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(SPLIT, &[&pair(op, avs)]))
    }
}
impl<T: StateRead + ?Sized> RewardsRead for T {}

/// The epoch a block belongs to.
pub fn epoch_of<R: StateRead>(s: &R, block: u32) -> Result<u64, Error> {
    let len = u64::from(s.params()?.rewards_epoch_blocks.max(1));
    Ok(u64::from(block).checked_div(len).unwrap_or(0))
}

/// The commission of `op` for `avs` in force for epoch `epoch`, in bips.
pub fn split_bips<R: StateRead>(
    s: &R,
    op: &Address,
    avs: &Address,
    epoch: u64,
) -> Result<u16, Error> {
    let default = s.params()?.default_operator_split_bips;
    Ok(match s.operator_split(op, avs)? {
        None => default,
        Some(sp) if epoch >= sp.activated_at_epoch => sp.new_split_bips,
        Some(sp) => sp.old_split_bips.unwrap_or(default),
    })
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

// ---------------------------------------------------------------------------------------------
// Positions: the bridge between share changes and the indices

/// A staker's slashing-invariant scaled shares in `strategy`: `s·k·l` (what it could withdraw
/// if its operator's magnitude were whole).
pub fn scaled_shares<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
) -> Result<U256, Error> {
    let deposit = share_manager::deposit_shares(s, staker, strategy)?;
    if deposit.is_zero() {
        return Ok(U256::ZERO);
    }
    let k = s.deposit_scaling_factor(staker, strategy)?;
    let l = if *strategy == BEACON_CHAIN_ETH_STRATEGY {
        pods::bcsf(s, staker)?
    } else {
        WAD
    };
    Ok(shares::calc_withdrawable(k, deposit, l)?)
}

fn position_key(staker: &Address, strategy: &Address) -> Vec<u8> {
    key(POSITION, &[&pair(staker, strategy)])
}

/// What a position has earned since it was last settled, per token.
fn pending_of<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
    pos: &Position,
) -> Result<Vec<(Address, U256)>, Error> {
    let mut out = Vec::new();
    for token in s.index_tokens(&pos.operator, strategy)? {
        let now = s.reward_index(&pos.operator, strategy, &token)?;
        let last: U256 = s
            .get(&key(
                LAST,
                &[staker.as_slice(), strategy.as_slice(), token.as_slice()],
            ))?
            .unwrap_or(U256::ZERO);
        let delta = math::sub(now, last)?;
        let owed = mul_div(pos.scaled, delta, INDEX_PRECISION, Rounding::Down)?;
        out.push((token, owed));
    }
    Ok(out)
}

/// Brings the staker's position in `strategy` up to date: settles what the old position earned,
/// then records the position its shares and delegation give now. Called after every change of
/// a staker's shares, scaling factor, beacon-chain factor or delegation.
pub(crate) fn sync_position(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
) -> Result<(), Error> {
    let pk = position_key(&staker, &strategy);
    let old: Option<Position> = ex.state.get(&pk)?;
    if let Some(pos) = old {
        for (token, owed) in pending_of(&ex.state, &staker, &strategy, &pos)? {
            add_to(ex, key(ACCRUED, &[&pair(&staker, &token)]), owed)?;
            sub_from(
                ex,
                key(
                    UNSETTLED,
                    &[
                        pos.operator.as_slice(),
                        strategy.as_slice(),
                        token.as_slice(),
                    ],
                ),
                owed,
            )?;
        }
        sub_from(
            ex,
            key(TOTAL, &[&pair(&pos.operator, &strategy)]),
            pos.scaled,
        )?;
    }
    let operator = ex.state.delegated_to(&staker)?;
    let scaled = scaled_shares(&ex.state, &staker, &strategy)?;
    match operator {
        Some(op) if !scaled.is_zero() => {
            add_to(ex, key(TOTAL, &[&pair(&op, &strategy)]), scaled)?;
            ex.state.put(
                pk,
                &Position {
                    operator: op,
                    scaled,
                },
            );
            for token in ex.state.index_tokens(&op, &strategy)? {
                let now = ex.state.reward_index(&op, &strategy, &token)?;
                ex.state.put(
                    key(
                        LAST,
                        &[staker.as_slice(), strategy.as_slice(), token.as_slice()],
                    ),
                    &now,
                );
            }
        }
        _ => {
            ex.state.delete(&pk);
            let prefix = key(LAST, &[&pair(&staker, &strategy)]);
            for (k, _) in ex.state.scan_prefix(&prefix)? {
                ex.state.delete(&k);
            }
        }
    }
    Ok(())
}

/// Settles every position of `staker` (before a claim).
fn settle_all(ex: &mut Exec<'_>, staker: Address) -> Result<(), Error> {
    let prefix = key(POSITION, &[staker.as_slice()]);
    let strategies: Vec<Address> = ex
        .state
        .scan_prefix(&prefix)?
        .into_iter()
        .map(|(k, _)| address_at(&k, prefix.len()))
        .collect();
    for s in strategies {
        sync_position(ex, staker, s)?;
    }
    Ok(())
}

/// An earner's claimable amount of `token`: settled plus pending on its positions.
pub fn claimable<R: StateRead>(s: &R, earner: &Address, token: &Address) -> Result<U256, Error> {
    let mut total = s.accrued(earner, token)?;
    let prefix = key(POSITION, &[earner.as_slice()]);
    for (k, v) in s.scan_prefix(&prefix)? {
        let strategy = address_at(&k, prefix.len());
        let pos: Position = borsh::from_slice(&v).map_err(|_| StateError::Corrupt {
            key: alloy_primitives::hex::encode(&k),
        })?;
        for (t, owed) in pending_of(s, earner, &strategy, &pos)? {
            if t == *token {
                total = math::add(total, owed)?;
            }
        }
    }
    Ok(total)
}

// ---------------------------------------------------------------------------------------------
// Actions

fn validate_strategies(ex: &Exec<'_>, list: &[StrategyAndMultiplier]) -> Result<(), Error> {
    if list.is_empty() {
        return Err(RewardsError::InputArrayLengthZero.into());
    }
    let mut prev: Option<Address> = None;
    for sm in list {
        if prev.is_some_and(|p| p >= sm.strategy) {
            return Err(RewardsError::StrategiesNotInAscendingOrder.into());
        }
        prev = Some(sm.strategy);
        if sm.multiplier.is_zero() {
            return Err(RewardsError::MultiplierIsZero.into());
        }
        if sm.strategy != BEACON_CHAIN_ETH_STRATEGY && !ex.state.is_whitelisted(&sm.strategy)? {
            return Err(RewardsError::StrategyNotWhitelisted(sm.strategy).into());
        }
    }
    Ok(())
}

/// `createRewardsSubmission` action (both kinds; `operatorRewards` empty = stake-weighted).
///
/// Rules (spec §9.1, in epochs):
/// 1. Submissions are not paused; the sender may act for the set's AVS (`createRewardsSubmission`).
/// 2. The operator set exists; at least one strategy, strictly ascending, each allowed for
///    deposits or beacon-chain ETH, multipliers positive.
/// 3. `0 < duration <= maxRewardsDurationEpochs`; the start epoch is not before the epoch in
///    progress (no retroactive rewards: stake of past epochs is gone) and at most
///    `maxRewardsFutureEpochs` ahead.
/// 4. Stake-weighted: `0 < amount <= 1e38 - 1`. Operator-directed: operators non-zero and
///    strictly ascending, each amount positive, the sum (which is the amount) at most `1e38 - 1`.
/// 5. The amount moves from the sender to the rewards escrow.
#[allow(clippy::too_many_arguments)]
pub fn create_rewards_submission(
    ex: &mut Exec<'_>,
    sender: Address,
    operator_set: OperatorSet,
    strategies_and_multipliers: &[StrategyAndMultiplier],
    token: Address,
    amount: U256,
    operator_rewards: &[OperatorReward],
    start_epoch: u64,
    duration_epochs: u32,
) -> Result<u64, Error> {
    pause::require_not_paused(&ex.state, PauseTarget::Rewards, PAUSED_SUBMISSIONS)?;
    crate::permissions::check_can_call(
        &ex.state,
        &operator_set.avs,
        &sender,
        "createRewardsSubmission",
    )?;
    if ex.state.operator_set(&operator_set)?.is_none() {
        return Err(RewardsError::InvalidOperatorSet(operator_set).into());
    }
    validate_strategies(ex, strategies_and_multipliers)?;
    let params = ex.state.params()?;
    if duration_epochs == 0 {
        return Err(RewardsError::DurationIsZero.into());
    }
    if duration_epochs > params.max_rewards_duration_epochs {
        return Err(RewardsError::DurationExceedsMax {
            duration: duration_epochs,
            max: params.max_rewards_duration_epochs,
        }
        .into());
    }
    let current = epoch_of(&ex.state, ex.block.number)?;
    if start_epoch < current {
        return Err(RewardsError::StartEpochTooFarInPast {
            start: start_epoch,
            current,
        }
        .into());
    }
    if start_epoch > current.saturating_add(u64::from(params.max_rewards_future_epochs)) {
        return Err(RewardsError::StartEpochTooFarInFuture {
            start: start_epoch,
            current,
            max: params.max_rewards_future_epochs,
        }
        .into());
    }
    let total = if operator_rewards.is_empty() {
        amount
    } else {
        let mut prev: Option<Address> = None;
        let mut sum = U256::ZERO;
        for r in operator_rewards {
            if r.operator.is_zero() || prev.is_some_and(|p| p >= r.operator) || r.amount.is_zero() {
                return Err(RewardsError::OperatorsNotInAscendingOrder.into());
            }
            prev = Some(r.operator);
            sum = math::add(sum, r.amount)?;
        }
        sum
    };
    if total.is_zero() {
        return Err(RewardsError::AmountIsZero.into());
    }
    if total > MAX_REWARDS_AMOUNT {
        return Err(RewardsError::AmountExceedsMax.into());
    }
    tokens::move_tokens(ex, &token, &sender, &REWARDS_ESCROW, total)?;
    let id = ex.state.get::<u64>(NEXT)?.unwrap_or(0).saturating_add(1);
    ex.state.put(NEXT.to_vec(), &id);
    let sub = Submission {
        id,
        submitter: sender,
        operator_set,
        strategies_and_multipliers: strategies_and_multipliers.to_vec(),
        token,
        amount: total,
        operator_rewards: operator_rewards.to_vec(),
        start_epoch,
        duration_epochs,
        distributed: U256::ZERO,
    };
    ex.state.put(key(SUB, &[&id.to_be_bytes()]), &sub);
    ex.state.put_flag(key(ACTIVE, &[&id.to_be_bytes()]));
    add_to(ex, key(FUNDED, &[token.as_slice()]), total)?;
    ex.emit(Event::RewardsSubmissionCreated { submission: sub });
    Ok(id)
}

/// `setOperatorAvsSplit` action: an operator's commission for one AVS's rewards.
///
/// Rules (spec §9.4, in epochs):
/// 1. The sender may act for the operator (`setOperatorAvsSplit`); the operator is registered.
/// 2. `split <= 10000` bips; an earlier change must already be in force (`PreviousSplitPending`).
/// 3. The new split applies from epoch `current + splitActivationDelayEpochs`, so it never
///    reaches rewards of the epoch in progress; until then the previous split (or the default)
///    applies.
pub fn set_operator_avs_split(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    avs: Address,
    split: u16,
) -> Result<(), Error> {
    crate::permissions::check_can_call(&ex.state, &operator, &sender, "setOperatorAvsSplit")?;
    if !ex.state.is_operator(&operator)? {
        return Err(RewardsError::NotAnOperator(operator).into());
    }
    if split > MAX_SPLIT_BIPS {
        return Err(RewardsError::SplitExceedsMax(split).into());
    }
    let current = epoch_of(&ex.state, ex.block.number)?;
    let prev = ex.state.operator_split(&operator, &avs)?;
    if let Some(p) = prev
        && current < p.activated_at_epoch
    {
        return Err(RewardsError::PreviousSplitPending(p.activated_at_epoch).into());
    }
    let delay = u64::from(ex.state.params()?.split_activation_delay_epochs);
    let activated_at_epoch = current.saturating_add(delay.max(1));
    let old = prev.map(|p| p.new_split_bips);
    ex.state.put(
        key(SPLIT, &[&pair(&operator, &avs)]),
        &OperatorSplit {
            old_split_bips: old,
            new_split_bips: split,
            activated_at_epoch,
        },
    );
    ex.emit(Event::OperatorAvsSplitSet {
        operator,
        avs,
        activated_at_epoch,
        old_split_bips: old.unwrap_or(ex.state.params()?.default_operator_split_bips),
        new_split_bips: split,
    });
    Ok(())
}

/// `setRewardsRecipient` action: where the sender's claims are paid (itself when zero).
pub fn set_rewards_recipient(
    ex: &mut Exec<'_>,
    sender: Address,
    recipient: Address,
) -> Result<(), Error> {
    let k = key(RECIPIENT, &[sender.as_slice()]);
    if recipient.is_zero() || recipient == sender {
        ex.state.delete(&k);
    } else {
        ex.state.put(k, &recipient);
    }
    ex.emit(Event::RewardsRecipientSet {
        earner: sender,
        recipient: if recipient.is_zero() {
            sender
        } else {
            recipient
        },
    });
    Ok(())
}

/// `claimRewards` action.
///
/// Rules (spec §9.3, without Merkle roots):
/// 1. Claims are not paused.
/// 2. The sender's positions are settled first, then each listed token's accrued amount is paid
///    from the escrow to the sender's rewards recipient (`RewardsClaimed`); a token with nothing
///    accrued is skipped; if nothing at all is paid, `NothingToClaim`.
pub fn claim_rewards(ex: &mut Exec<'_>, sender: Address, tokens_: &[Address]) -> Result<(), Error> {
    pause::require_not_paused(&ex.state, PauseTarget::Rewards, PAUSED_CLAIMS)?;
    settle_all(ex, sender)?;
    let recipient = ex.state.rewards_recipient(&sender)?;
    let mut any = false;
    for token in tokens_ {
        let k = key(ACCRUED, &[&pair(&sender, token)]);
        let amount: U256 = ex.state.get(&k)?.unwrap_or(U256::ZERO);
        if amount.is_zero() {
            continue;
        }
        ex.state.delete(&k);
        tokens::move_tokens(ex, token, &REWARDS_ESCROW, &recipient, amount)?;
        add_to(ex, key(PAID, &[token.as_slice()]), amount)?;
        any = true;
        ex.emit(Event::RewardsClaimed {
            earner: sender,
            recipient,
            token: *token,
            amount,
        });
    }
    if !any {
        return Err(RewardsError::NothingToClaim(sender).into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Distribution

/// Runs at the start of every block, before its transactions: at the first block of epoch
/// `e + 1`, distributes epoch `e`.
pub fn begin_block(ex: &mut Exec<'_>) -> Result<(), Error> {
    let len = ex.state.params()?.rewards_epoch_blocks;
    if len == 0 || ex.block.number == 0 || !ex.block.number.is_multiple_of(len) {
        return Ok(());
    }
    let ended = u64::from(ex.block.number.checked_div(len).unwrap_or(0)).saturating_sub(1);
    distribute_epoch(ex, ended)
}

/// Distributes epoch `epoch` of every active submission.
pub fn distribute_epoch(ex: &mut Exec<'_>, epoch: u64) -> Result<(), Error> {
    for mut sub in ex.state.active_submissions()? {
        if epoch < sub.start_epoch {
            continue;
        }
        let end = sub
            .start_epoch
            .saturating_add(u64::from(sub.duration_epochs));
        if epoch >= end {
            ex.state.delete(&key(ACTIVE, &[&sub.id.to_be_bytes()]));
            continue;
        }
        let last = epoch.saturating_add(1) == end;
        let slice = if sub.operator_rewards.is_empty() {
            epoch_slice(sub.amount, sub.duration_epochs, sub.distributed, last)?
        } else {
            // The sum of the operators' own slices: rounding each one apart can leave the
            // last epoch with more than `amount − distributed` of a pooled slice.
            let mut total = U256::ZERO;
            for r in &sub.operator_rewards {
                total = math::add(total, directed_pool(r.amount, sub.duration_epochs, last)?)?;
            }
            total
        };
        let paid = distribute_slice(ex, &sub, epoch, slice)?;
        let dust = math::sub(slice, paid)?;
        add_to(ex, key(DUST, &[sub.token.as_slice()]), dust)?;
        sub.distributed = math::add(sub.distributed, slice)?;
        ex.state.put(key(SUB, &[&sub.id.to_be_bytes()]), &sub);
        if last {
            ex.state.delete(&key(ACTIVE, &[&sub.id.to_be_bytes()]));
        }
    }
    Ok(())
}

/// An operator-directed amount's slice for one epoch: `⌊amount / duration⌋`, and in the last
/// epoch the rest, `amount − ⌊amount / duration⌋ · (duration − 1)`.
fn directed_pool(amount: U256, duration: u32, last: bool) -> Result<U256, Error> {
    let per_epoch = amount
        .checked_div(U256::from(duration.max(1)))
        .ok_or(MathError::DivisionByZero)?;
    if !last {
        return Ok(per_epoch);
    }
    let done = per_epoch
        .checked_mul(U256::from(duration.saturating_sub(1)))
        .ok_or(MathError::Overflow)?;
    Ok(math::sub(amount, done)?)
}

/// `⌊amount / duration⌋`, and in the last epoch whatever is left.
fn epoch_slice(amount: U256, duration: u32, distributed: U256, last: bool) -> Result<U256, Error> {
    if last {
        return Ok(math::sub(amount, distributed)?);
    }
    Ok(amount
        .checked_div(U256::from(duration.max(1)))
        .ok_or(MathError::DivisionByZero)?)
}

/// Weight parts `multiplier · stake` of `op` per strategy of the submission.
fn weights<R: StateRead>(
    s: &R,
    sub: &Submission,
    op: &Address,
    block: u32,
) -> Result<Vec<U256>, Error> {
    let mut out = Vec::with_capacity(sub.strategies_and_multipliers.len());
    for sm in &sub.strategies_and_multipliers {
        let stake = allocation::minimum_slashable_stake(
            s,
            &sub.operator_set,
            op,
            &sm.strategy,
            block,
            block,
        )?;
        out.push(
            stake
                .checked_mul(sm.multiplier)
                .ok_or(MathError::Overflow)?,
        );
    }
    Ok(out)
}

/// Pays one epoch's slice; returns what reached operators and indices (the rest is dust).
fn distribute_slice(
    ex: &mut Exec<'_>,
    sub: &Submission,
    epoch: u64,
    slice: U256,
) -> Result<U256, Error> {
    let block = ex.block.number;
    let mut paid = U256::ZERO;
    if sub.operator_rewards.is_empty() {
        let members = ex.state.members(&sub.operator_set)?;
        let mut table = Vec::with_capacity(members.len());
        let mut total = U256::ZERO;
        for op in members {
            let parts = weights(&ex.state, sub, &op, block)?;
            let w = parts
                .iter()
                .try_fold(U256::ZERO, |a, p| a.checked_add(*p))
                .ok_or(MathError::Overflow)?;
            if !w.is_zero() {
                total = math::add(total, w)?;
                table.push((op, parts, w));
            }
        }
        if total.is_zero() {
            return Ok(U256::ZERO);
        }
        for (op, parts, w) in table {
            let pool = mul_div(slice, w, total, Rounding::Down)?;
            paid = math::add(paid, pay_operator(ex, sub, epoch, op, &parts, w, pool)?)?;
        }
    } else {
        for r in &sub.operator_rewards {
            let last = epoch.saturating_add(1)
                == sub
                    .start_epoch
                    .saturating_add(u64::from(sub.duration_epochs));
            let pool = directed_pool(r.amount, sub.duration_epochs, last)?;
            let parts = weights(&ex.state, sub, &r.operator, block)?;
            let w = parts
                .iter()
                .try_fold(U256::ZERO, |a, p| a.checked_add(*p))
                .ok_or(MathError::Overflow)?;
            if w.is_zero() {
                continue;
            }
            paid = math::add(
                paid,
                pay_operator(ex, sub, epoch, r.operator, &parts, w, pool)?,
            )?;
        }
    }
    Ok(paid)
}

/// The operator's commission, then its delegators' part per strategy into the indices. Returns
/// what was credited (commission plus the parts held for indices); the rest is dust.
#[allow(clippy::too_many_arguments)]
fn pay_operator(
    ex: &mut Exec<'_>,
    sub: &Submission,
    epoch: u64,
    op: Address,
    parts: &[U256],
    weight: U256,
    pool: U256,
) -> Result<U256, Error> {
    if pool.is_zero() {
        return Ok(U256::ZERO);
    }
    let bips = split_bips(&ex.state, &op, &sub.operator_set.avs, epoch)?;
    let commission = mul_div(
        pool,
        U256::from(bips),
        U256::from(MAX_SPLIT_BIPS),
        Rounding::Down,
    )?;
    add_to(ex, key(ACCRUED, &[&pair(&op, &sub.token)]), commission)?;
    // Both sides are rounded down, so neither gets the other's remainder; what is left of the
    // pool (under one unit) is dust.
    let for_stakers = mul_div(
        pool,
        U256::from(MAX_SPLIT_BIPS.saturating_sub(bips)),
        U256::from(MAX_SPLIT_BIPS),
        Rounding::Down,
    )?;
    let mut credited = commission;
    for (sm, part_w) in sub.strategies_and_multipliers.iter().zip(parts) {
        if part_w.is_zero() {
            continue;
        }
        let part = mul_div(for_stakers, *part_w, weight, Rounding::Down)?;
        let x_total = ex.state.scaled_total(&op, &sm.strategy)?;
        if part.is_zero() || x_total.is_zero() {
            continue;
        }
        let delta = mul_div(part, INDEX_PRECISION, x_total, Rounding::Down)?;
        if delta.is_zero() {
            continue;
        }
        let ik = key(
            INDEX,
            &[op.as_slice(), sm.strategy.as_slice(), sub.token.as_slice()],
        );
        let before: U256 = ex.state.get(&ik)?.unwrap_or(U256::ZERO);
        ex.state.put(ik, &math::add(before, delta)?);
        let tk = key(TOKENS, &[&pair(&op, &sm.strategy)]);
        let mut list: Vec<Address> = ex.state.get(&tk)?.unwrap_or_default();
        if !list.contains(&sub.token) {
            list.push(sub.token);
            ex.state.put(tk, &list);
        }
        // The whole part is held for the index's stakers; what their rounded-down accruals leave
        // stays there, counted, never paid.
        add_to(
            ex,
            key(
                UNSETTLED,
                &[op.as_slice(), sm.strategy.as_slice(), sub.token.as_slice()],
            ),
            part,
        )?;
        credited = math::add(credited, part)?;
    }
    Ok(credited)
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

    #[test]
    fn a_submission_pays_its_exact_amount_over_its_epochs() {
        let amount = U256::from(1_000u64);
        let mut done = U256::ZERO;
        for e in 0..7u32 {
            done += epoch_slice(amount, 7, done, e == 6).unwrap();
        }
        assert_eq!(done, amount);
        assert_eq!(
            epoch_slice(amount, 7, U256::ZERO, false).unwrap(),
            U256::from(142u64)
        );
    }
}
