//! The withdrawal queue: queueing (shares leave the operator at once but stay slashable for `D`
//! blocks), completing as tokens or shares, and the pending withdrawals a staker sees.
use super::*;

/// A queued withdrawal (EigenLayer's `Withdrawal`); `scaled_shares` are `x * k`.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Withdrawal {
    /// Who queued it.
    pub staker: Address,
    /// The staker's operator when it was queued (zero if none).
    pub delegated_to: Address,
    /// Who may complete it (always the staker).
    pub withdrawer: Address,
    /// The staker's withdrawal counter at queue time.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub nonce: U256,
    /// Block at which it was queued.
    pub start_block: u32,
    /// Strategies.
    pub strategies: Vec<Address>,
    /// Scaled shares per strategy.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub scaled_shares: Vec<U256>,
}

impl Withdrawal {
    /// `keccak256(abi.encode(withdrawal))`, byte-compatible with EigenLayer's roots.
    pub fn root(&self) -> B256 {
        let abi = eip712::WithdrawalAbi {
            staker: self.staker,
            delegatedTo: self.delegated_to,
            withdrawer: self.withdrawer,
            nonce: self.nonce,
            startBlock: self.start_block,
            strategies: self.strategies.clone(),
            scaledShares: self.scaled_shares.clone(),
        };
        keccak256(abi.abi_encode())
    }
}

/// One element of `queueWithdrawals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueuedWithdrawalParams {
    /// Strategies to withdraw from.
    pub strategies: Vec<Address>,
    /// Deposit shares to withdraw, per strategy.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub deposit_shares: Vec<U256>,
}

/// `queueWithdrawals` action. Returns one root per element of `params`.
///
/// Rules (spec §5.2, §7):
/// 1. Entering the withdrawal queue is not paused; `params` is not empty.
/// 2. Each element has equal-length, non-empty arrays and no repeated strategy.
/// 3. Each amount is non-zero and at most the sender's deposit shares.
/// 4. Withdrawable shares leave the operator's shares now; scaled shares `x * k` are recorded in
///    the operator's cumulative history, so the queued amount stays slashable until `start + D`.
/// 5. A strategy whose deposit shares reach zero has its scaling factor reset.
pub fn queue_withdrawals(
    ex: &mut Exec<'_>,
    sender: Address,
    params: &[QueuedWithdrawalParams],
) -> Result<Vec<B256>, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_ENTER_WITHDRAWAL_QUEUE,
    )?;
    if params.is_empty() {
        return Err(DelegationError::InputArrayLengthZero.into());
    }
    let operator = ex.state.delegated_to(&sender)?;
    let mut roots = Vec::with_capacity(params.len());
    for p in params {
        if p.strategies.len() != p.deposit_shares.len() {
            return Err(DelegationError::InputArrayLengthMismatch.into());
        }
        let mut seen = BTreeSet::new();
        let mut sfs = Vec::with_capacity(p.strategies.len());
        for s in &p.strategies {
            if !seen.insert(*s) {
                return Err(DelegationError::DuplicateStrategy(*s).into());
            }
            sfs.push(ex.state.slashing_factor(&sender, operator.as_ref(), s)?);
        }
        roots.push(remove_shares_and_queue_withdrawal(
            ex,
            sender,
            operator,
            &p.strategies,
            &p.deposit_shares,
            &sfs,
        )?);
    }
    Ok(roots)
}

pub(super) fn remove_shares_and_queue_withdrawal(
    ex: &mut Exec<'_>,
    staker: Address,
    operator: Option<Address>,
    strategies: &[Address],
    deposit_shares: &[U256],
    sfs: &[U256],
) -> Result<B256, Error> {
    if strategies.is_empty() {
        return Err(DelegationError::InputArrayLengthZero.into());
    }
    let mut scaled = Vec::with_capacity(strategies.len());
    let mut withdrawable = Vec::with_capacity(strategies.len());
    for ((strategy, x), sf) in strategies.iter().zip(deposit_shares).zip(sfs) {
        // The staker's holding is checked before anything moves, so an over-withdrawal is
        // always reported as such, whatever the operator's shares.
        share_manager::check_removable(&ex.state, &staker, strategy, *x)?;
        let k = ex.state.deposit_scaling_factor(&staker, strategy)?;
        let w = shares::calc_withdrawable(k, *x, *sf)?;
        let q = shares::scale_for_queue_withdrawal(k, *x)?;
        if let Some(op) = operator {
            let current = ex.state.operator_shares(&op, strategy)?;
            set_operator_shares(ex, &op, strategy, math::sub(current, w)?);
            ex.emit(Event::OperatorSharesDecreased {
                operator: op,
                staker,
                strategy: *strategy,
                shares: w,
            });
            add_queued_slashable_shares(ex, op, *strategy, q)?;
        }
        let remaining = share_manager::remove_deposit_shares(ex, staker, *strategy, *x)?;
        if remaining.is_zero() {
            ex.state.delete(&dsf_key(&staker, strategy));
            ex.emit(Event::DepositScalingFactorUpdated {
                staker,
                strategy: *strategy,
                new_deposit_scaling_factor: WAD,
            });
        }
        rewards::sync_position(ex, staker, *strategy)?;
        scaled.push(q);
        withdrawable.push(w);
    }
    let nonce = ex.state.cumulative_withdrawals_queued(&staker)?;
    ex.state.put(
        key(WD_NONCE, &[staker.as_slice()]),
        &math::add(nonce, U256::from(1))?,
    );
    let withdrawal = Withdrawal {
        staker,
        delegated_to: operator.unwrap_or_default(),
        withdrawer: staker,
        nonce,
        start_block: ex.block.number,
        strategies: strategies.to_vec(),
        scaled_shares: scaled,
    };
    let root = withdrawal.root();
    ex.state
        .put(key(WITHDRAWAL, &[root.as_slice()]), &withdrawal);
    ex.state.put(staker_wd_key(&staker, &nonce), &root);
    ex.emit(Event::SlashingWithdrawalQueued {
        withdrawal_root: root,
        withdrawal,
        withdrawable_shares: withdrawable,
    });
    Ok(root)
}

fn add_queued_slashable_shares(
    ex: &mut Exec<'_>,
    op: Address,
    strategy: Address,
    q: U256,
) -> Result<(), Error> {
    let block = ex.block.number;
    let latest = ex
        .state
        .cumulative_scaled_shares_at(&op, &strategy, u32::MAX)?;
    let k = key(&history_prefix(&op, &strategy), &[&block.to_be_bytes()]);
    ex.state.put(k, &math::add(latest, q)?);
    Ok(())
}

/// `completeQueuedWithdrawal` action.
///
/// Rules (spec §5.2):
/// 1. Leaving the withdrawal queue is not paused; the root is pending; the sender is its withdrawer.
/// 2. `block > startBlock + D`.
/// 3. Shares paid per strategy are `q * m`, with `m` the queue-time operator's max magnitude *at
///    block `startBlock + D`* — slashing up to then reaches the withdrawal, later slashing does not.
/// 4. The withdrawal is removed before anything is paid. As tokens: the pools pay the sender. As
///    shares: they are re-deposited and delegated to the sender's *current* operator (refused if
///    it is fully slashed in the strategy). Strategies that come to zero shares are skipped.
pub fn complete_queued_withdrawal(
    ex: &mut Exec<'_>,
    sender: Address,
    root: B256,
    receive_as_tokens: bool,
) -> Result<(), Error> {
    complete(ex, sender, root, receive_as_tokens.then_some(sender))
}

/// Completes a withdrawal as tokens paid to `recipient` instead of the withdrawer (the vault's
/// native exits pay the redeeming holder straight from the pod).
pub(crate) fn complete_queued_withdrawal_to(
    ex: &mut Exec<'_>,
    sender: Address,
    root: B256,
    recipient: Address,
) -> Result<(), Error> {
    complete(ex, sender, root, Some(recipient))
}

/// `recipient`: `Some` completes as tokens paid to it, `None` as shares.
fn complete(
    ex: &mut Exec<'_>,
    sender: Address,
    root: B256,
    recipient: Option<Address>,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_EXIT_WITHDRAWAL_QUEUE,
    )?;
    let w = ex
        .state
        .queued_withdrawal(&root)?
        .ok_or(DelegationError::WithdrawalNotQueued(root))?;
    if w.withdrawer != sender {
        return Err(DelegationError::WithdrawerNotCaller(sender).into());
    }
    let d = ex.state.params()?.min_withdrawal_delay_blocks;
    let slashable_until = math::add_block(w.start_block, d)?;
    if ex.block.number <= slashable_until {
        let completable_at = math::add_block(slashable_until, 1)?;
        return Err(DelegationError::WithdrawalDelayNotElapsed {
            completable_at,
            now: ex.block.number,
        }
        .into());
    }
    let queued_op = (!w.delegated_to.is_zero()).then_some(w.delegated_to);
    let mut prev_sfs = Vec::with_capacity(w.strategies.len());
    for s in &w.strategies {
        let m = match queued_op {
            None => WAD,
            Some(op) => U256::from(ex.state.max_magnitude_at(&op, s, slashable_until)?),
        };
        // Beacon-chain slashing reaches queued ETH up to completion: the current factor applies.
        prev_sfs.push(if *s == BEACON_CHAIN_ETH_STRATEGY {
            mul_wad(m, pods::bcsf(&ex.state, &w.staker)?)?
        } else {
            m
        });
    }
    ex.state.delete(&key(WITHDRAWAL, &[root.as_slice()]));
    ex.state.delete(&staker_wd_key(&w.staker, &w.nonce));
    ex.emit(Event::SlashingWithdrawalCompleted {
        withdrawal_root: root,
    });
    let new_op = ex.state.delegated_to(&w.staker)?;
    for ((strategy, q), sf) in w.strategies.iter().zip(&w.scaled_shares).zip(&prev_sfs) {
        let amount = shares::scale_for_complete_withdrawal(*q, *sf)?;
        if amount.is_zero() {
            continue;
        }
        if let Some(to) = recipient {
            share_manager::withdraw_shares_as_tokens(ex, w.staker, to, *strategy, amount)?;
        } else {
            let (prev, added) = share_manager::add_shares(ex, w.staker, *strategy, amount)?;
            let new_sf = ex
                .state
                .slashing_factor(&w.staker, new_op.as_ref(), strategy)?;
            increase_delegation(ex, new_op, w.staker, *strategy, prev, added, new_sf)?;
        }
    }
    Ok(())
}

/// `completeQueuedWithdrawals` action: several completions, all or nothing.
///
/// Rules: `withdrawalRoots` and `receiveAsTokens` have equal length; then each element follows
/// `completeQueuedWithdrawal`, in order.
pub fn complete_queued_withdrawals(
    ex: &mut Exec<'_>,
    sender: Address,
    roots: &[B256],
    receive_as_tokens: &[bool],
) -> Result<(), Error> {
    if roots.len() != receive_as_tokens.len() {
        return Err(DelegationError::InputArrayLengthMismatch.into());
    }
    for (root, as_tokens) in roots.iter().zip(receive_as_tokens) {
        complete_queued_withdrawal(ex, sender, *root, *as_tokens)?;
    }
    Ok(())
}

/// A queued withdrawal as a staker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedWithdrawalView {
    /// Its root.
    pub withdrawal_root: B256,
    /// The stored withdrawal.
    pub withdrawal: Withdrawal,
    /// First block at which it can be completed (`startBlock + D + 1`).
    pub completable_at_block: u32,
    /// Shares it pays as of now (final once the slashable window has passed).
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub shares: Vec<U256>,
}

/// The staker's pending withdrawals with their completion block and current payout.
pub fn queued_withdrawals<R: StateRead>(
    s: &R,
    staker: &Address,
    now: u32,
) -> Result<Vec<QueuedWithdrawalView>, Error> {
    let mut out = Vec::new();
    for root in s.queued_withdrawal_roots(staker)? {
        if let Some(view) = queued_withdrawal(s, root, now)? {
            out.push(view);
        }
    }
    Ok(out)
}

/// One pending withdrawal by its root, with its completion block and current payout; `None`
/// once completed (or never queued).
pub fn queued_withdrawal<R: StateRead>(
    s: &R,
    root: B256,
    now: u32,
) -> Result<Option<QueuedWithdrawalView>, Error> {
    let Some(w) = s.queued_withdrawal(&root)? else {
        return Ok(None);
    };
    let d = s.params()?.min_withdrawal_delay_blocks;
    let slashable_until = math::add_block(w.start_block, d)?;
    let at = if now > slashable_until {
        slashable_until
    } else {
        now
    };
    let mut payout = Vec::with_capacity(w.strategies.len());
    for (strategy, q) in w.strategies.iter().zip(&w.scaled_shares) {
        let m = if w.delegated_to.is_zero() {
            WAD
        } else {
            U256::from(s.max_magnitude_at(&w.delegated_to, strategy, at)?)
        };
        let sf = if *strategy == BEACON_CHAIN_ETH_STRATEGY {
            mul_wad(m, pods::bcsf(s, &w.staker)?)?
        } else {
            m
        };
        payout.push(shares::scale_for_complete_withdrawal(*q, sf)?);
    }
    Ok(Some(QueuedWithdrawalView {
        withdrawal_root: root,
        completable_at_block: math::add_block(slashable_until, 1)?,
        withdrawal: w,
        shares: payout,
    }))
}
