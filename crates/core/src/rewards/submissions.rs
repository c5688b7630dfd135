//! Rewards submissions: what an AVS escrows for an operator set, and the action that creates one.
use super::*;

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
