//! Why a vault action was refused (component code 16000).

use alloy_primitives::{Address, B256, U256};
use thiserror::Error;

/// Vault failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VaultError {
    /// No vault at this address.
    #[error("no vault at {0}")]
    UnknownVault(Address),
    /// The sender lacks the role.
    #[error("{caller} is not the vault's {role}")]
    NotAuthorized {
        /// Who asked.
        caller: Address,
        /// The role needed.
        role: &'static str,
    },
    /// The operation's pause bit is set.
    #[error("vault operation {bit} is paused")]
    Paused {
        /// The bit.
        bit: u8,
    },
    /// The pauser tried to clear a bit.
    #[error("only the admin may clear pause bits")]
    OnlyAdminUnpauses,
    /// A token the vault does not take.
    #[error("{0} is not an asset of this vault")]
    UnknownAsset(Address),
    /// A token without a pool, repeated, or too many assets.
    #[error("invalid asset list: {0}")]
    InvalidAssets(&'static str),
    /// A parameter outside its bounds.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// Field name.
        name: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The deposit is worth less than the minimum.
    #[error("deposit worth {value} wei is below the minimum {min}")]
    BelowMinimumDeposit {
        /// Its value.
        value: U256,
        /// The minimum.
        min: U256,
    },
    /// Fewer shares than asked for.
    #[error("would mint {shares} shares, fewer than minSharesOut {min}")]
    SlippageShares {
        /// What it would mint.
        shares: U256,
        /// The floor asked for.
        min: U256,
    },
    /// Fewer tokens than asked for.
    #[error("would pay {amount}, less than minAmountOut {min}")]
    SlippageAmount {
        /// What it would pay.
        amount: U256,
        /// The floor asked for.
        min: U256,
    },
    /// The deadline has passed.
    #[error("deadline {deadline} is before the block time {now}")]
    DeadlinePassed {
        /// The deadline.
        deadline: u64,
        /// Block timestamp.
        now: u64,
    },
    /// A cap would be exceeded.
    #[error("{cap} cap exceeded: {after} > {limit}")]
    CapExceeded {
        /// Which cap.
        cap: &'static str,
        /// The total after the operation.
        after: U256,
        /// The cap.
        limit: U256,
    },
    /// Rounds to nothing.
    #[error("the amount rounds to zero")]
    ZeroOutput,
    /// The asset's rate is too old to price a deposit.
    #[error("the rate of {token} was set at block {set_at}, older than {max_age} blocks")]
    StaleRate {
        /// Asset.
        token: Address,
        /// Block of the last report.
        set_at: u32,
        /// Largest age.
        max_age: u32,
    },
    /// A rate report moves more than the step cap.
    #[error("rate change from {old} to {new} exceeds {max_bps} bps")]
    RateStepTooLarge {
        /// Current rate.
        old: U256,
        /// Reported rate.
        new: U256,
        /// Step cap.
        max_bps: u16,
    },
    /// Deposit and redemption by one account in one block.
    #[error("{0} deposited in this block; redeem in a later one")]
    SameBlockRedeem(Address),
    /// Unknown request.
    #[error("no redemption request {0}")]
    UnknownRequest(u64),
    /// The request is not in the state the operation needs.
    #[error("request {id} is {status}")]
    RequestNotClaimable {
        /// Request.
        id: u64,
        /// Its status.
        status: &'static str,
    },
    /// Nothing could be finalized.
    #[error("no request can be finalized yet")]
    NothingToFinalize,
    /// The instant exit would take idle value below the floor.
    #[error("idle value {after} after the exit would be below the floor {floor}")]
    BufferBelowFloor {
        /// Idle value after.
        after: U256,
        /// The floor.
        floor: U256,
    },
    /// Not enough idle tokens.
    #[error("idle {token} is {idle}, {needed} needed")]
    InsufficientIdle {
        /// Asset.
        token: Address,
        /// Idle amount.
        idle: U256,
        /// Needed.
        needed: U256,
    },
    /// The operator is already in the vault, or the list is full.
    #[error("operator {0} cannot be added")]
    OperatorNotAddable(Address),
    /// No node delegator with this index.
    #[error("no node delegator {0}")]
    UnknownDelegator(u32),
    /// The node delegator is not delegated to its operator (forced undelegation).
    #[error("node delegator {delegator} is not delegated to {operator}")]
    DelegatorNotDelegated {
        /// Node delegator account.
        delegator: Address,
        /// Configured operator.
        operator: Address,
    },
    /// No operator has room under the per-operator cap.
    #[error("no operator can take the deposit within the operator cap")]
    NoRoute,
    /// The root is not a pending withdrawal of a node delegator.
    #[error("{0} is not a pending withdrawal of this vault")]
    NotVaultWithdrawal(B256),
    /// No parameter change is pending, or it is not due.
    #[error("no parameter change is due (effective at block {effective_at:?})")]
    ParamsNotDue {
        /// When the pending change lands.
        effective_at: Option<u32>,
    },
    /// The operation does not apply to native ETH (or needs it).
    #[error("native ETH: {0}")]
    NativeAsset(&'static str),
    /// The withdrawal is reserved for a native redemption request.
    #[error("withdrawal {root} pays redemption request {request}; claimRedeem completes it")]
    EarmarkedWithdrawal {
        /// The core withdrawal.
        root: B256,
        /// The request it pays.
        request: u64,
    },
    /// No bond is unlocking, or not yet.
    #[error("bond not withdrawable: {unlocking} unlocking, at block {unlock_at}")]
    BondLocked {
        /// Shares unlocking.
        unlocking: U256,
        /// When they unlock.
        unlock_at: u32,
    },
    /// Nothing to harvest.
    #[error("the node delegators have no rewards in the vault's assets")]
    NothingToHarvest,
}
