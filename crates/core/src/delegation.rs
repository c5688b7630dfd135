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
use thiserror::Error;

/// Pause bit: new delegations (and operator registration).
pub const PAUSED_NEW_DELEGATION: u8 = 0;
/// Pause bit: queueing withdrawals (and undelegating).
pub const PAUSED_ENTER_WITHDRAWAL_QUEUE: u8 = 1;
/// Pause bit: completing withdrawals.
pub const PAUSED_EXIT_WITHDRAWAL_QUEUE: u8 = 2;

/// Delegation failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DelegationError {
    /// The staker is delegated already.
    #[error("{0} is already delegated")]
    ActivelyDelegated(Address),
    /// The staker is not delegated.
    #[error("{0} is not delegated")]
    NotActivelyDelegated(Address),
    /// No operator is registered at that address.
    #[error("{0} is not a registered operator")]
    OperatorNotRegistered(Address),
    /// Operators are delegated to themselves for good.
    #[error("operators cannot undelegate")]
    OperatorsCannotUndelegate,
    /// Only the staker, its operator (or the operator's appointees) or the approver may undelegate.
    #[error("{caller} may not undelegate {staker}")]
    CallerCannotUndelegate {
        /// Who tried.
        caller: Address,
        /// Staker.
        staker: Address,
    },
    /// The approver's salt was used before.
    #[error("approver salt {0} was already spent")]
    SaltSpent(B256),
    /// The approver's signature has expired.
    #[error("approver signature expired at {expiry}, block time is {now}")]
    SignatureExpired {
        /// Expiry.
        expiry: u64,
        /// Block time.
        now: u64,
    },
    /// The approver's signature is missing or not the approver's.
    #[error("delegation needs a valid signature from approver {0}")]
    InvalidSignature(Address),
    /// The operator has no magnitude left in a strategy the staker holds.
    #[error("operator {operator} is fully slashed in strategy {strategy}")]
    FullySlashed {
        /// Operator.
        operator: Address,
        /// Strategy.
        strategy: Address,
    },
    /// The scaling factor would become zero.
    #[error("deposit scaling factor would be zero")]
    InvalidDepositScalingFactor,
    /// Two arrays that must match in length do not.
    #[error("input arrays have different lengths")]
    InputArrayLengthMismatch,
    /// An array that must not be empty is.
    #[error("input array is empty")]
    InputArrayLengthZero,
    /// A strategy appears twice in one withdrawal.
    #[error("strategy {0} appears twice")]
    DuplicateStrategy(Address),
    /// Only the withdrawer may complete a withdrawal.
    #[error("{0} is not the withdrawer")]
    WithdrawerNotCaller(Address),
    /// No pending withdrawal has that root.
    #[error("withdrawal {0} is not queued")]
    WithdrawalNotQueued(B256),
    /// The withdrawal's delay has not passed.
    #[error("withdrawal completable at block {completable_at}, current block is {now}")]
    WithdrawalDelayNotElapsed {
        /// First block at which it completes.
        completable_at: u32,
        /// Current block.
        now: u32,
    },
}

/// Operator record.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorDetails {
    /// Signs approvals for delegations; zero for open delegation.
    pub delegation_approver: Address,
    /// Where the operator describes itself.
    pub metadata_uri: String,
}

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

/// Typed reads of delegation state.
pub trait DelegationRead: StateRead {
    /// The staker's operator, if delegated.
    fn delegated_to(&self, staker: &Address) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(DELEGATED, &[staker.as_slice()]))
    }

    /// True when `who` is a registered operator.
    fn is_operator(&self, who: &Address) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        Ok(!who.is_zero() && self.delegated_to(who)? == Some(*who))
    }

    /// The operator's record.
    fn operator_details(&self, op: &Address) -> Result<Option<OperatorDetails>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(OPERATOR, &[op.as_slice()]))
    }

    /// Every registered operator.
    fn operators(&self) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .scan_prefix(OPERATOR)?
            .into_iter()
            .map(|(k, _)| crate::state::address_at(&k, OPERATOR.len()))
            .collect())
    }

    /// The operator's shares in a strategy.
    fn operator_shares(&self, op: &Address, strategy: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&op_shares_key(op, strategy))?.unwrap_or_default())
    }

    /// The staker's deposit scaling factor (`WAD` when unset).
    fn deposit_scaling_factor(
        &self,
        staker: &Address,
        strategy: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(shares::scaling_factor(
            self.get(&dsf_key(staker, strategy))?.unwrap_or_default(),
        ))
    }

    /// The pending withdrawal with this root.
    fn queued_withdrawal(&self, root: &B256) -> Result<Option<Withdrawal>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(WITHDRAWAL, &[root.as_slice()]))
    }

    /// The staker's pending withdrawal roots, oldest first.
    fn queued_withdrawal_roots(&self, staker: &Address) -> Result<Vec<B256>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(&key(STAKER_WD, &[staker.as_slice()]))?
            .into_iter()
            .map(|(k, v)| decode(&k, &v))
            .collect()
    }

    /// How many withdrawals the staker has ever queued.
    fn cumulative_withdrawals_queued(&self, staker: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(WD_NONCE, &[staker.as_slice()]))?
            .unwrap_or_default())
    }

    /// True when the approver's salt was used.
    fn salt_spent(&self, approver: &Address, salt: &B256) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&key(SALT, &[approver.as_slice(), salt.as_slice()]))
    }

    /// Cumulative scaled shares the operator's stakers queued up to and including `block`.
    fn cumulative_scaled_shares_at(
        &self,
        op: &Address,
        strategy: &Address,
        block: u32,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        let prefix = history_prefix(op, strategy);
        let upper = key(&prefix, &[&block.to_be_bytes()]);
        match self.last_at_or_before(&prefix, &upper)? {
            Some((k, v)) => decode(&k, &v),
            None => Ok(U256::ZERO),
        }
    }

    /// The slashing factor that applies to `staker` in `strategy` under `operator`
    /// (`WAD` when undelegated).
    fn slashing_factor(
        &self,
        staker: &Address,
        operator: Option<&Address>,
        strategy: &Address,
    ) -> Result<U256, Error>
    where
        Self: Sized,
    {
        let m = self.operator_slashing_factor(operator, strategy)?;
        if *strategy == BEACON_CHAIN_ETH_STRATEGY {
            Ok(mul_wad(m, pods::bcsf(self, staker)?)?)
        } else {
            Ok(m)
        }
    }

    /// The operator's part of the slashing factor: its max magnitude (`WAD` when undelegated).
    fn operator_slashing_factor(
        &self,
        operator: Option<&Address>,
        strategy: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        match operator {
            None => Ok(WAD),
            Some(op) => Ok(U256::from(self.max_magnitude(op, strategy)?)),
        }
    }

    /// The staker's withdrawable shares in `strategy`: `s * k * sf`.
    fn withdrawable_shares(&self, staker: &Address, strategy: &Address) -> Result<U256, Error>
    where
        Self: Sized,
    {
        let op = self.delegated_to(staker)?;
        let sf = self.slashing_factor(staker, op.as_ref(), strategy)?;
        let k = self.deposit_scaling_factor(staker, strategy)?;
        let s = share_manager::deposit_shares(self, staker, strategy)?;
        Ok(shares::calc_withdrawable(k, s, sf)?)
    }
}
impl<T: StateRead + ?Sized> DelegationRead for T {}

fn set_operator_shares(ex: &mut Exec<'_>, op: &Address, strategy: &Address, v: U256) {
    let k = op_shares_key(op, strategy);
    if v.is_zero() {
        ex.state.delete(&k)
    } else {
        ex.state.put(k, &v)
    }
}

/// `registerAsOperator` action.
///
/// Rules (spec §5.2):
/// 1. New delegations are not paused; the sender is not delegated.
/// 2. The operator's allocation delay is set with immediate effect.
/// 3. Approver and metadata URI are recorded; the sender is delegated to itself, for good.
pub fn register_as_operator(
    ex: &mut Exec<'_>,
    sender: Address,
    delegation_approver: Address,
    allocation_delay: u32,
    metadata_uri: String,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_NEW_DELEGATION,
    )?;
    if ex.state.delegated_to(&sender)?.is_some() {
        return Err(DelegationError::ActivelyDelegated(sender).into());
    }
    allocation::set_allocation_delay_at_registration(ex, sender, allocation_delay)?;
    let details = OperatorDetails {
        delegation_approver,
        metadata_uri: metadata_uri.clone(),
    };
    ex.state.put(key(OPERATOR, &[sender.as_slice()]), &details);
    ex.emit(Event::DelegationApproverUpdated {
        operator: sender,
        new_delegation_approver: delegation_approver,
    });
    delegate(ex, sender, sender)?;
    ex.emit(Event::OperatorRegistered {
        operator: sender,
        delegation_approver,
    });
    ex.emit(Event::OperatorMetadataUriUpdated {
        operator: sender,
        metadata_uri,
    });
    Ok(())
}

fn require_operator_permission(
    ex: &Exec<'_>,
    sender: Address,
    operator: Address,
    selector: &str,
) -> Result<OperatorDetails, Error> {
    permissions::check_can_call(&ex.state, &operator, &sender, selector)?;
    if !ex.state.is_operator(&operator)? {
        return Err(DelegationError::OperatorNotRegistered(operator).into());
    }
    ex.state
        .operator_details(&operator)?
        .ok_or_else(|| DelegationError::OperatorNotRegistered(operator).into())
}

/// `modifyOperatorDetails` action.
///
/// Rules:
/// 1. The sender may act for `operator` (itself, an admin, or an appointee for this action).
/// 2. `operator` is registered; its delegation approver becomes `newDelegationApprover`.
pub fn modify_operator_details(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    new_delegation_approver: Address,
) -> Result<(), Error> {
    let mut details = require_operator_permission(ex, sender, operator, "modifyOperatorDetails")?;
    details.delegation_approver = new_delegation_approver;
    ex.state
        .put(key(OPERATOR, &[operator.as_slice()]), &details);
    ex.emit(Event::DelegationApproverUpdated {
        operator,
        new_delegation_approver,
    });
    Ok(())
}

/// `updateOperatorMetadataUri` action.
///
/// Rules:
/// 1. The sender may act for `operator`; `operator` is registered.
/// 2. The metadata URI is replaced.
pub fn update_operator_metadata_uri(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    metadata_uri: String,
) -> Result<(), Error> {
    let mut details =
        require_operator_permission(ex, sender, operator, "updateOperatorMetadataUri")?;
    details.metadata_uri = metadata_uri.clone();
    ex.state
        .put(key(OPERATOR, &[operator.as_slice()]), &details);
    ex.emit(Event::OperatorMetadataUriUpdated {
        operator,
        metadata_uri,
    });
    Ok(())
}

/// `delegateTo` action.
///
/// Rules (spec §5.2):
/// 1. New delegations are not paused; the sender is not delegated; `operator` is registered.
/// 2. If the operator has a delegation approver: `approverSalt` is unspent, `approverExpiry >=`
///    block time, and `approverSignature` is the approver's over EIP-712
///    `DelegationApproval(approver, staker, operator, salt, expiry)`; the salt is then spent.
/// 3. All the staker's shares move to the operator (prior slashing is forgiven through the
///    scaling factor); refused if the operator is fully slashed in any of them.
pub fn delegate_to(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    approver_signature: Option<&Bytes>,
    approver_expiry: u64,
    approver_salt: B256,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_NEW_DELEGATION,
    )?;
    if ex.state.delegated_to(&sender)?.is_some() {
        return Err(DelegationError::ActivelyDelegated(sender).into());
    }
    if !ex.state.is_operator(&operator)? {
        return Err(DelegationError::OperatorNotRegistered(operator).into());
    }
    let approver = ex
        .state
        .operator_details(&operator)?
        .map(|d| d.delegation_approver)
        .unwrap_or_default();
    if !approver.is_zero() {
        if ex.state.salt_spent(&approver, &approver_salt)? {
            return Err(DelegationError::SaltSpent(approver_salt).into());
        }
        if approver_expiry < ex.block.timestamp {
            return Err(DelegationError::SignatureExpired {
                expiry: approver_expiry,
                now: ex.block.timestamp,
            }
            .into());
        }
        // An empty signature is the same as none (both sign as empty bytes).
        let sig = approver_signature
            .filter(|s| !s.is_empty())
            .ok_or(DelegationError::InvalidSignature(approver))?;
        let msg = eip712::DelegationApproval {
            delegationApprover: approver,
            staker: sender,
            operator,
            salt: approver_salt,
            expiry: U256::from(approver_expiry),
        };
        if eip712::recover(&msg, ex.block.chain_id, sig)? != approver {
            return Err(DelegationError::InvalidSignature(approver).into());
        }
        ex.state
            .put_flag(key(SALT, &[approver.as_slice(), approver_salt.as_slice()]));
    }
    delegate(ex, sender, operator)
}

fn delegate(ex: &mut Exec<'_>, staker: Address, operator: Address) -> Result<(), Error> {
    ex.state
        .put(key(DELEGATED, &[staker.as_slice()]), &operator);
    ex.emit(Event::StakerDelegated { staker, operator });
    // What the staker can withdraw now (beacon-chain slashing included) moves to the operator;
    // the scaling factor only forgives the operator's own past slashing, never the beacon chain's.
    for (strategy, s) in share_manager::deposited(&ex.state, &staker)? {
        let k = ex.state.deposit_scaling_factor(&staker, &strategy)?;
        let own = ex.state.slashing_factor(&staker, None, &strategy)?;
        let added = shares::calc_withdrawable(k, s, own)?;
        let sf = ex
            .state
            .operator_slashing_factor(Some(&operator), &strategy)?;
        increase_delegation(ex, Some(operator), staker, strategy, U256::ZERO, added, sf)?;
    }
    Ok(())
}

/// Called after deposit shares were added: updates the DSF and, if delegated, `op`.
pub(crate) fn increase_delegated_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
    prev: U256,
    added: U256,
) -> Result<(), Error> {
    let operator = ex.state.delegated_to(&staker)?;
    let sf = ex
        .state
        .slashing_factor(&staker, operator.as_ref(), &strategy)?;
    increase_delegation(ex, operator, staker, strategy, prev, added, sf)
}

fn increase_delegation(
    ex: &mut Exec<'_>,
    operator: Option<Address>,
    staker: Address,
    strategy: Address,
    prev: U256,
    added: U256,
    sf: U256,
) -> Result<(), Error> {
    if sf.is_zero() {
        return Err(DelegationError::FullySlashed {
            operator: operator.unwrap_or_default(),
            strategy,
        }
        .into());
    }
    let k = ex.state.deposit_scaling_factor(&staker, &strategy)?;
    let new_k = match shares::update_dsf(k, prev, added, sf)? {
        DsfUpdate::Ok(v) => v,
        DsfUpdate::Zero => return Err(DelegationError::InvalidDepositScalingFactor.into()),
    };
    ex.state.put(dsf_key(&staker, &strategy), &new_k);
    ex.emit(Event::DepositScalingFactorUpdated {
        staker,
        strategy,
        new_deposit_scaling_factor: new_k,
    });
    if let Some(op) = operator {
        let v = math::add(ex.state.operator_shares(&op, &strategy)?, added)?;
        set_operator_shares(ex, &op, &strategy, v);
        ex.emit(Event::OperatorSharesIncreased {
            operator: op,
            staker,
            strategy,
            shares: added,
        });
    }
    rewards::sync_position(ex, staker, strategy)
}

/// `undelegate` action. Returns the roots of the withdrawals it queued.
///
/// Rules (spec §5.2):
/// 1. Entering the withdrawal queue is not paused.
/// 2. `staker` is delegated and is not an operator.
/// 3. The sender is the staker, may act for the operator (`undelegate`), or is the operator's
///    delegation approver; otherwise refused. A forced undelegation emits `StakerForceUndelegated`.
/// 4. The staker becomes undelegated and every strategy it holds is queued as one withdrawal each.
pub fn undelegate(ex: &mut Exec<'_>, sender: Address, staker: Address) -> Result<Vec<B256>, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_ENTER_WITHDRAWAL_QUEUE,
    )?;
    let operator = ex
        .state
        .delegated_to(&staker)?
        .ok_or(DelegationError::NotActivelyDelegated(staker))?;
    if ex.state.is_operator(&staker)? {
        return Err(DelegationError::OperatorsCannotUndelegate.into());
    }
    if sender != staker {
        let approver = ex
            .state
            .operator_details(&operator)?
            .map(|d| d.delegation_approver)
            .unwrap_or_default();
        let allowed = ex.state.can_call(&operator, &sender, "undelegate")?
            || (!approver.is_zero() && approver == sender);
        if !allowed {
            return Err(DelegationError::CallerCannotUndelegate {
                caller: sender,
                staker,
            }
            .into());
        }
        ex.emit(Event::StakerForceUndelegated { staker, operator });
    }
    ex.state.delete(&key(DELEGATED, &[staker.as_slice()]));
    ex.emit(Event::StakerUndelegated { staker, operator });
    let mut roots = Vec::new();
    for (strategy, s) in share_manager::deposited(&ex.state, &staker)? {
        let sf = ex
            .state
            .slashing_factor(&staker, Some(&operator), &strategy)?;
        roots.push(remove_shares_and_queue_withdrawal(
            ex,
            staker,
            Some(operator),
            &[strategy],
            &[s],
            &[sf],
        )?);
    }
    Ok(roots)
}

/// `redelegate` action: `undelegate` yourself, then `delegateTo` a new operator.
///
/// Rules: those of `undelegate` (with the sender as staker) followed by those of `delegateTo`.
/// The queued shares reach the new operator only when completed as shares.
pub fn redelegate(
    ex: &mut Exec<'_>,
    sender: Address,
    new_operator: Address,
    approver_signature: Option<&Bytes>,
    approver_expiry: u64,
    approver_salt: B256,
) -> Result<Vec<B256>, Error> {
    let roots = undelegate(ex, sender, sender)?;
    delegate_to(
        ex,
        sender,
        new_operator,
        approver_signature,
        approver_expiry,
        approver_salt,
    )?;
    Ok(roots)
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

fn remove_shares_and_queue_withdrawal(
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

/// A beacon-chain balance decrease lowered the staker's factor `l` by `decrease`: its operator
/// loses `calcWithdrawable(k, s, mulWad(m, Δl))` ETH shares (spec §4.3). Nothing when undelegated.
pub(crate) fn decrease_delegated_beacon_shares(
    ex: &mut Exec<'_>,
    staker: Address,
    deposit_shares: U256,
    decrease: u64,
) -> Result<(), Error> {
    let Some(op) = ex.state.delegated_to(&staker)? else {
        return Ok(());
    };
    let strategy = BEACON_CHAIN_ETH_STRATEGY;
    let m = ex.state.operator_slashing_factor(Some(&op), &strategy)?;
    let k = ex.state.deposit_scaling_factor(&staker, &strategy)?;
    let slashed = shares::calc_withdrawable(k, deposit_shares, mul_wad(m, U256::from(decrease))?)?;
    let current = ex.state.operator_shares(&op, &strategy)?;
    set_operator_shares(ex, &op, &strategy, math::sub(current, slashed)?);
    ex.emit(Event::OperatorSharesDecreased {
        operator: op,
        staker,
        strategy,
        shares: slashed,
    });
    rewards::sync_position(ex, staker, strategy)
}

/// Applies an operator slash to `op` and to the queue (spec §5.4). Returns the shares slashed.
/// O(1) in the number of delegators: one subtraction and one history lookup.
pub(crate) fn slash_operator_shares(
    ex: &mut Exec<'_>,
    op: Address,
    set: OperatorSet,
    slash_id: u64,
    strategy: Address,
    prev_max: u64,
    new_max: u64,
) -> Result<U256, Error> {
    let prev = U256::from(prev_max);
    let new = U256::from(new_max);
    let current = ex.state.operator_shares(&op, &strategy)?;
    let from_op = shares::calc_slashed_amount(current, prev, new)?;
    let from_queue = if prev_max == 0 {
        U256::ZERO
    } else {
        let d = ex.state.params()?.min_withdrawal_delay_blocks;
        let latest = ex
            .state
            .cumulative_scaled_shares_at(&op, &strategy, u32::MAX)?;
        // Scaled shares queued in [block - D, block]; before block D + 1 everything queued so far.
        let before = match ex
            .block
            .number
            .checked_sub(d)
            .and_then(|b| b.checked_sub(1))
        {
            Some(b) => ex.state.cumulative_scaled_shares_at(&op, &strategy, b)?,
            None => U256::ZERO,
        };
        let added = math::sub(latest, before)?;
        let in_queue = restake_primitives::math::mul_wad(added, prev)?;
        shares::calc_slashed_amount(in_queue, prev, new)?
    };
    set_operator_shares(ex, &op, &strategy, math::sub(current, from_op)?);
    ex.emit(Event::OperatorSharesDecreased {
        operator: op,
        staker: Address::ZERO,
        strategy,
        shares: from_op,
    });
    let total = math::add(from_op, from_queue)?;
    ex.emit(Event::OperatorSharesSlashed {
        operator: op,
        strategy,
        total_slashed_shares: total,
    });
    share_manager::increase_burn_or_redistributable_shares(ex, set, slash_id, strategy, total)?;
    Ok(total)
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
    let d = s.params()?.min_withdrawal_delay_blocks;
    let mut out = Vec::new();
    for root in s.queued_withdrawal_roots(staker)? {
        let Some(w) = s.queued_withdrawal(&root)? else {
            continue;
        };
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
        out.push(QueuedWithdrawalView {
            withdrawal_root: root,
            completable_at_block: math::add_block(slashable_until, 1)?,
            withdrawal: w,
            shares: payout,
        });
    }
    Ok(out)
}
