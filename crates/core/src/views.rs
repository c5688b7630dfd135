//! Read-only summaries for the people using the protocol: what a staker holds and can withdraw,
//! what is slashable and by whom, and what an operator has allocated where. They compute the
//! same numbers the handlers would, at a given block, without changing anything.

use crate::allocation::{self, Allocation, AllocationRead, RegistrationStatus};
use crate::delegation::{self, DelegationRead, OperatorDetails, QueuedWithdrawalView};
use crate::error::Error;
use crate::pods::{self, Pod, PodRead, ValidatorInfo};
use crate::pool::PoolRead;
use crate::share_manager;
use crate::state::StateRead;
use crate::vault;
use alloy_primitives::{Address, B256, U256};
use restake_primitives::decimal::u256 as dec;
use restake_primitives::math::{div_wad, mul_wad};
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, OperatorSet};
use serde::{Deserialize, Serialize};

/// A staker's position in one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StakerPosition {
    /// Strategy (pool).
    pub strategy: Address,
    /// Shares deposited (`s`).
    #[serde(with = "dec")]
    pub deposit_shares: U256,
    /// Shares withdrawable now (`s * k * m`).
    #[serde(with = "dec")]
    pub withdrawable_shares: U256,
    /// Deposit scaling factor (`k`).
    #[serde(with = "dec")]
    pub deposit_scaling_factor: U256,
}

/// One operator set that can slash a staker's stake in one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    /// The set.
    pub operator_set: OperatorSet,
    /// Strategy.
    pub strategy: Address,
    /// The staker's withdrawable shares the set can slash now.
    #[serde(with = "dec")]
    pub slashable_shares: U256,
    /// Fraction of the operator's stake allocated to the set now (WAD = 100%).
    #[serde(with = "dec")]
    pub allocated_fraction: U256,
    /// Fraction once a pending change applies (equals the current one when none is pending).
    #[serde(with = "dec")]
    pub pending_fraction: U256,
    /// Block at which the pending change applies (0: none).
    pub pending_effect_block: u32,
}

/// Everything about a staker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StakerView {
    /// The staker.
    pub staker: Address,
    /// Its operator, if delegated.
    pub delegated_to: Option<Address>,
    /// Positions, one per strategy held.
    pub positions: Vec<StakerPosition>,
    /// What can slash the positions, through the operator's allocations.
    pub exposures: Vec<Exposure>,
    /// Pending withdrawals with their completion block.
    pub queued_withdrawals: Vec<QueuedWithdrawalView>,
}

/// The staker's view at block `now`.
pub fn staker<R: StateRead>(s: &R, staker: &Address, now: u32) -> Result<StakerView, Error> {
    let delegated_to = s.delegated_to(staker)?;
    let mut positions = Vec::new();
    for (strategy, deposit_shares) in share_manager::deposited(s, staker)? {
        positions.push(StakerPosition {
            strategy,
            deposit_shares,
            withdrawable_shares: s.withdrawable_shares(staker, &strategy)?,
            deposit_scaling_factor: s.deposit_scaling_factor(staker, &strategy)?,
        });
    }
    let mut exposures = Vec::new();
    if let Some(op) = delegated_to {
        for (set, strategy, _) in s.allocations_of(&op)? {
            let Some(pos) = positions.iter().find(|p| p.strategy == strategy) else {
                continue;
            };
            let Some(info) = s.operator_set(&set)? else {
                continue;
            };
            if !info.strategies.contains(&strategy) {
                continue;
            }
            let (si, a) = s.updated_allocation(&op, &set, &strategy, now)?;
            if si.max_magnitude == 0 {
                continue;
            }
            let max = U256::from(si.max_magnitude);
            let current = div_wad(U256::from(a.current_magnitude), max)?;
            let pending_mag = allocation_after_pending(&a)?;
            let pending = div_wad(U256::from(pending_mag), max)?;
            let slashable = if s.is_operator_slashable(&op, &set, now)? {
                mul_wad(pos.withdrawable_shares, current)?
            } else {
                U256::ZERO
            };
            exposures.push(Exposure {
                operator_set: set,
                strategy,
                slashable_shares: slashable,
                allocated_fraction: current,
                pending_fraction: pending,
                pending_effect_block: a.effect_block,
            });
        }
    }
    Ok(StakerView {
        staker: *staker,
        delegated_to,
        positions,
        exposures,
        queued_withdrawals: delegation::queued_withdrawals(s, staker, now)?,
    })
}

fn allocation_after_pending(a: &Allocation) -> Result<u64, Error> {
    let v = i128::from(a.current_magnitude)
        .checked_add(a.pending_diff)
        .ok_or(restake_primitives::math::MathError::Overflow)?;
    u64::try_from(v).map_err(|_| restake_primitives::math::MathError::Underflow.into())
}

/// An operator's stake and magnitudes in one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorStrategy {
    /// Strategy.
    pub strategy: Address,
    /// Delegated shares (`op`).
    #[serde(with = "dec")]
    pub operator_shares: U256,
    /// Max magnitude (WAD until slashed).
    #[serde(with = "restake_primitives::decimal::u64_str")]
    pub max_magnitude: u64,
    /// Magnitude that can still be allocated.
    #[serde(with = "restake_primitives::decimal::u64_str")]
    pub allocatable_magnitude: u64,
}

/// One allocation of an operator, as of a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocationView {
    /// The set.
    pub operator_set: OperatorSet,
    /// Strategy.
    pub strategy: Address,
    /// Magnitude in force.
    #[serde(with = "restake_primitives::decimal::u64_str")]
    pub current_magnitude: u64,
    /// Magnitude after the pending change.
    #[serde(with = "restake_primitives::decimal::u64_str")]
    pub pending_magnitude: u64,
    /// Block of the pending change (0: none).
    pub effect_block: u32,
    /// Shares the set can slash now (0 when the operator is not slashable by the set).
    #[serde(with = "dec")]
    pub slashable_shares: U256,
}

/// Everything about an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    /// The operator.
    pub operator: Address,
    /// Approver and metadata.
    pub details: OperatorDetails,
    /// The allocation delay in force (`None` if never set).
    pub allocation_delay: Option<u32>,
    /// Stake per strategy the operator has delegated shares in or has allocated.
    pub strategies: Vec<OperatorStrategy>,
    /// Allocations to operator sets.
    pub allocations: Vec<AllocationView>,
}

/// The operator's view at block `now`; `None` if not an operator.
pub fn operator<R: StateRead>(
    s: &R,
    op: &Address,
    now: u32,
) -> Result<Option<OperatorView>, Error> {
    if !s.is_operator(op)? {
        return Ok(None);
    }
    let details = s.operator_details(op)?.unwrap_or(OperatorDetails {
        delegation_approver: Address::ZERO,
        metadata_uri: String::new(),
    });
    let (is_set, delay) = s.allocation_delay_info(op)?.at(now);
    let mut allocations = Vec::new();
    let mut strategies: Vec<Address> = Vec::new();
    for (set, strategy, _) in s.allocations_of(op)? {
        let (_, a) = s.updated_allocation(op, &set, &strategy, now)?;
        let slashable_shares =
            allocation::minimum_slashable_stake(s, &set, op, &strategy, now, now)?;
        allocations.push(AllocationView {
            operator_set: set,
            strategy,
            current_magnitude: a.current_magnitude,
            pending_magnitude: allocation_after_pending(&a)?,
            effect_block: a.effect_block,
            slashable_shares,
        });
        if !strategies.contains(&strategy) {
            strategies.push(strategy);
        }
    }
    // Every pool in which the operator holds delegated shares (pools are few; operators are not
    // indexed by strategy).
    for (strategy, _) in s.pools()? {
        if !strategies.contains(&strategy) && !s.operator_shares(op, &strategy)?.is_zero() {
            strategies.push(strategy);
        }
    }
    let mut rows = Vec::with_capacity(strategies.len());
    for strategy in strategies {
        rows.push(OperatorStrategy {
            strategy,
            operator_shares: s.operator_shares(op, &strategy)?,
            max_magnitude: s.max_magnitude(op, &strategy)?,
            allocatable_magnitude: allocation::allocatable_magnitude(s, op, &strategy, now)?,
        });
    }
    Ok(Some(OperatorView {
        operator: *op,
        details,
        allocation_delay: is_set.then_some(delay),
        strategies: rows,
        allocations,
    }))
}

/// A set member's registration as seen at `now`.
pub fn registration<R: StateRead>(
    s: &R,
    op: &Address,
    set: &OperatorSet,
    now: u32,
) -> Result<(RegistrationStatus, bool), Error> {
    Ok((
        s.registration(op, set)?,
        s.is_operator_slashable(op, set, now)?,
    ))
}

/// A pod with its validators, for stakers and the bridge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodView {
    /// The pod's state (checkpoint in progress or last finalized included).
    #[serde(flatten)]
    pub pod: Pod,
    /// The owner's ETH deposit shares (wei).
    #[serde(with = "dec")]
    pub deposit_shares: U256,
    /// What the owner can withdraw now (wei): deposit shares scaled by its factors.
    #[serde(with = "dec")]
    pub withdrawable_shares: U256,
    /// The owner's beacon-chain slashing factor (WAD = unslashed).
    #[serde(with = "restake_primitives::decimal::u64_str")]
    pub beacon_chain_slashing_factor: u64,
    /// Checkpointed ETH in the pod that can be paid out (wei).
    #[serde(with = "dec")]
    pub withdrawable_restaked_execution_layer_wei: U256,
    /// Validators ever verified, by pubkey hash.
    pub validators: Vec<PodValidator>,
}

impl<'de> Deserialize<'de> for PodView {
    /// Reads the object through a JSON value: `#[serde(flatten)]` would buffer the pod in serde's
    /// own content type, which cannot hold the checkpoint's `i128` balance delta.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        /// The view's own fields, beside the pod's.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Own {
            #[serde(with = "dec")]
            deposit_shares: U256,
            #[serde(with = "dec")]
            withdrawable_shares: U256,
            #[serde(with = "restake_primitives::decimal::u64_str")]
            beacon_chain_slashing_factor: u64,
            #[serde(with = "dec")]
            withdrawable_restaked_execution_layer_wei: U256,
            validators: Vec<PodValidator>,
        }
        let v = serde_json::Value::deserialize(d)?;
        let pod = Pod::deserialize(&v).map_err(D::Error::custom)?;
        let own = Own::deserialize(&v).map_err(D::Error::custom)?;
        Ok(Self {
            pod,
            deposit_shares: own.deposit_shares,
            withdrawable_shares: own.withdrawable_shares,
            beacon_chain_slashing_factor: own.beacon_chain_slashing_factor,
            withdrawable_restaked_execution_layer_wei: own
                .withdrawable_restaked_execution_layer_wei,
            validators: own.validators,
        })
    }
}

/// A validator of a pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodValidator {
    /// `sha256(pubkey ‖ 16 zero bytes)`.
    pub pubkey_hash: B256,
    /// Its record.
    #[serde(flatten)]
    pub info: ValidatorInfo,
}

/// The pod at `address`, or the pod owned by `address`; `None` if neither.
pub fn pod<R: StateRead>(s: &R, address: &Address) -> Result<Option<PodView>, Error> {
    let pod = match s.pod_at(address)? {
        Some(p) => p,
        None => match s.pod_of(address)? {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let owner = pod.owner;
    let validators = s
        .pod_validators(&pod.address)?
        .into_iter()
        .map(|(pubkey_hash, info)| PodValidator { pubkey_hash, info })
        .collect();
    Ok(Some(PodView {
        deposit_shares: s.pod_owner_deposit_shares(&owner)?,
        withdrawable_shares: s.withdrawable_shares(&owner, &BEACON_CHAIN_ETH_STRATEGY)?,
        beacon_chain_slashing_factor: s.beacon_chain_slashing_factor(&owner)?,
        withdrawable_restaked_execution_layer_wei: U256::from(pod.restaked_execution_layer_gwei)
            .saturating_mul(U256::from(pods::GWEI)),
        validators,
        pod,
    }))
}

/// Everything about a liquid restaking vault: its configuration, its books as the core reports
/// them now, the rate, the next exits in the queue and, if asked, one holder's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultView {
    /// Configuration, assets with idle and escrow, node delegators, queue pointers.
    #[serde(flatten)]
    pub vault: vault::Vault,
    /// The LRT's symbol.
    pub symbol: String,
    /// Per-asset holdings, per-delegator value, `A` and `S`.
    pub books: vault::Books,
    /// `(A + V) · 1e18 / (S + V)`: ETH-wei per LRT share, WAD.
    #[serde(with = "dec")]
    pub rate: U256,
    /// Whether each node delegator is still delegated to its configured operator.
    pub delegators_in_place: Vec<bool>,
    /// Pending requests from the head of the queue (at most 100), each with the block it may
    /// be finalized at.
    pub pending_requests: Vec<PendingRedeem>,
    /// The asked-for holder's LRT balance and requests (when an account was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<VaultHolder>,
}

/// A pending redemption and when its cooldown ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRedeem {
    /// The request.
    #[serde(flatten)]
    pub request: vault::RedeemRequest,
    /// First block it may be finalized at (liquidity permitting).
    pub finalizable_at_block: u32,
}

/// One holder's view of a vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultHolder {
    /// The holder.
    pub account: Address,
    /// LRT shares held.
    #[serde(with = "dec")]
    pub shares: U256,
    /// What they are worth now, in ETH-wei (`shares · rate`, rounded down).
    #[serde(with = "dec")]
    pub value: U256,
    /// Its requests not yet claimed.
    pub requests: Vec<vault::RedeemRequest>,
}

/// The vault at `address` (its account or its LRT token) as of block `now`.
pub fn vault<R: StateRead>(
    s: &R,
    address: &Address,
    holder: Option<&Address>,
    now: u32,
) -> Result<Option<VaultView>, Error> {
    use crate::tokens::TokensRead;
    use vault::VaultRead;
    let v = match s.vault(address)? {
        Some(v) => v,
        None => match s.vaults()?.into_iter().find(|v| v.lrt == *address) {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    let books = vault::books(s, &v, now)?;
    let rate = books.rate()?;
    let mut delegators_in_place = Vec::with_capacity(v.delegators.len());
    for d in &v.delegators {
        delegators_in_place.push(s.delegated_to(&d.account)? == Some(d.operator));
    }
    let mut pending_requests = Vec::new();
    let mut id = v.finalize_head;
    while id < v.next_request && pending_requests.len() < 100 {
        if let Some(r) = s.redeem_request(&v.address, id)? {
            let finalizable_at_block = r.requested_at.saturating_add(v.params.cooldown_blocks);
            pending_requests.push(PendingRedeem {
                request: r,
                finalizable_at_block,
            });
        }
        id = id.saturating_add(1);
    }
    let holder = match holder {
        None => None,
        Some(account) => {
            let shares = s.balance_of(&v.lrt, account)?;
            let mut requests = Vec::new();
            for i in s.open_requests_of(&v.address, account)? {
                if let Some(r) = s.redeem_request(&v.address, i)? {
                    requests.push(r);
                }
            }
            Some(VaultHolder {
                account: *account,
                value: mul_wad(shares, rate)?,
                shares,
                requests,
            })
        }
    };
    let symbol = s.token(&v.lrt)?.map(|t| t.symbol).unwrap_or_default();
    Ok(Some(VaultView {
        vault: v,
        symbol,
        books,
        rate,
        delegators_in_place,
        pending_requests,
        holder,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_view_reads_back_with_a_negative_checkpoint_delta() {
        let mut pod = Pod::default();
        pod.checkpoint.balance_deltas_gwei = -32_000_000_000;
        let view = PodView {
            pod,
            deposit_shares: U256::from(5),
            withdrawable_shares: U256::from(4),
            beacon_chain_slashing_factor: 1_000_000_000_000_000_000,
            withdrawable_restaked_execution_layer_wei: U256::ZERO,
            validators: vec![],
        };
        let json = serde_json::to_string(&view).unwrap_or_default();
        let back: PodView = serde_json::from_str(&json).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(back, view);
        let none: Option<PodView> =
            serde_json::from_str("null").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(none, None);
    }
}
